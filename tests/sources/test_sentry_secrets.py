"""Planted secrets never reach the warehouse FILE (raw bytes checked after CHECKPOINT and close)."""

import json

from benchmarks.sources import PLANTED_SECRETS, write_sdk_envelopes
from models.sources import ingest_path
from models.warehouse import connect

JWT = PLANTED_SECRETS["jwt"]


def test_planted_secrets_absent_from_the_warehouse_file(warehouse_path, tmp_path):
    envelopes = write_sdk_envelopes(tmp_path / "app.envelope", 3, secrets=True)
    raw = envelopes.read_text()
    present = [k for k, v in PLANTED_SECRETS.items() if v in raw]
    assert len(present) >= 7, present  # the real SDK did carry them

    nd = tmp_path / "events.ndjson"
    event = {
        "event_id": "a" * 32, "timestamp": 1732428000, "message": f"login by {PLANTED_SECRETS['email']}",
        "extra": {"password": PLANTED_SECRETS["password"], "headers": {"Authorization": f"Bearer {PLANTED_SECRETS['bearer']}"},
                  "jwt": JWT, "card": PLANTED_SECRETS["card"], "aws": PLANTED_SECRETS["aws_key"],
                  "pem": f"-----BEGIN PRIVATE KEY-----\n{PLANTED_SECRETS['private_key_body']}\n-----END PRIVATE KEY-----"},
        "breadcrumbs": {"values": [{"message": f"curl -H 'Authorization: Bearer {PLANTED_SECRETS['bearer']}'"}]},
        "server_name": "secret-host-name-42.corp",
        "modules": {"leaky-internal-package": "9.9.9"},
    }
    broken = '{"message": "password=' + PLANTED_SECRETS["password"] + " " + JWT + '", '  # quarantined, excerpt scrubbed
    nd.write_text(json.dumps(event) + "\n" + broken + "\n")

    con = connect(warehouse_path)
    reports = ingest_path(con, envelopes, source="sentry") + ingest_path(con, nd, source="sentry")
    assert sum(r.loaded for r in reports) == 5 and sum(r.quarantined for r in reports) == 1
    assert con.execute("SELECT count(*) FROM events WHERE extra ->> '$.password' = '<secret:password>'").fetchone()[0] == 1
    con.execute("CHECKPOINT")
    con.close()

    blob = b"".join(p.read_bytes() for p in warehouse_path.parent.glob(warehouse_path.name + "*"))
    for name, value in PLANTED_SECRETS.items():
        assert value.encode() not in blob, f"{name} found in the warehouse file"
    for leak in (b"hunter2", b"secret-host-name-42", b"leaky-internal-package", b"db-primary-7.corp.internal",
                 JWT.split(".")[1].encode(), b"planted.person"):
        assert leak not in blob
