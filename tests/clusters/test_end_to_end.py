"""Real sentry-sdk events and a real JSON log with a traceback, through the real upstream stages
(ingest -> fingerprint -> log templates) into clusters: one bug seen by the SDK and by the log of a
differently deployed copy with a renamed wrapper is one cluster; another bug is another."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from models.clusters import build_clusters
from models.signatures import fingerprint_events, mine_templates
from models.sources import ingest_path

PAYMENTS = textwrap.dedent("""
    def charge(payload):
        amount = payload["price"] * payload.get("qty", 1)
        return amount


    def ratio(stats):
        return stats["done"] / stats["total"]
""")

RUNNER = textwrap.dedent("""
    import json, logging, sys, time
    import sentry_sdk
    from hindsight.sentry_file_transport import FileTransport
    from shop.payments import charge, ratio

    mode, out = sys.argv[1], sys.argv[2]

    def checkout(order):          # the wrapper of the SDK deployment
        return charge(order)

    def checkout_page(order):     # renamed in the deployment that logs
        return charge(order)

    if mode == "sdk":
        sentry_sdk.init(dsn="https://key@example.invalid/1", release="shop@1.0.0", transport=FileTransport(out),
                        in_app_include=["shop"], default_integrations=False)
        for order in ({"qty": 2}, {"sku": "x"}):
            try:
                checkout(order)
            except KeyError:
                sentry_sdk.capture_exception()
        try:
            ratio({"done": 1, "total": 0})
        except ZeroDivisionError:
            sentry_sdk.capture_exception()
        sentry_sdk.flush()
    else:
        class Json(logging.Formatter):
            converter = time.gmtime
            def format(self, record):
                doc = {"asctime": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "levelname": record.levelname,
                       "name": record.name, "message": record.getMessage(), "release": "shop@2.0.0"}
                if record.exc_info:
                    doc["exc_info"] = self.formatException(record.exc_info)
                return json.dumps(doc)
        handler = logging.FileHandler(out)
        handler.setFormatter(Json())
        log = logging.getLogger("shop.web")
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.info("checkout started")
        try:
            checkout_page({"qty": 3})
        except KeyError:
            log.exception("checkout failed")
""")


def _run(tmp_path, root: str, mode: str, out) -> None:
    code = tmp_path / root
    (code / "shop").mkdir(parents=True)
    (code / "shop" / "__init__.py").write_text("")
    (code / "shop" / "payments.py").write_text(PAYMENTS)
    subprocess.run(
        [sys.executable, "-c", RUNNER, mode, str(out)],
        check=True,
        cwd=tmp_path,
        env={"PYTHONPATH": f"{code}:{':'.join(sys.path)}", "PATH": "/usr/bin:/bin"},
    )


def test_sdk_and_log_traceback_of_one_bug_are_one_cluster(tmp_path, warehouse):
    envelopes = tmp_path / "landing" / "sentry" / "events.envelope"
    log = tmp_path / "landing" / "logs" / "web.jsonl"
    envelopes.parent.mkdir(parents=True)
    log.parent.mkdir(parents=True)
    _run(tmp_path, "srv/app", "sdk", envelopes)
    _run(tmp_path, "opt/releases/2.0", "log", log)
    ingest_path(warehouse, envelopes, source="sentry")
    ingest_path(warehouse, log, source="logs")
    fingerprint_events(warehouse)
    mine_templates(warehouse)
    build_clusters(warehouse)

    rows = warehouse.execute(
        "SELECT origin, exception_type, cluster_id FROM cluster_events ORDER BY origin, exception_type"
    ).fetchall()
    assert [(o, t) for o, t, _ in rows] == [
        ("log", "KeyError"),
        ("sentry", "KeyError"),
        ("sentry", "KeyError"),
        ("sentry", "ZeroDivisionError"),
    ]
    key_clusters = {c for _, t, c in rows if t == "KeyError"}
    assert len(key_clusters) == 1 and rows[-1][2] not in key_clusters
    # the ERROR log line that carried the traceback: its template joined the cluster of its event
    kinds = warehouse.execute(
        "SELECT signature_kind, cluster_id FROM cluster_signatures WHERE signature_kind = 'template'"
    ).fetchall()
    assert kinds == [("template", next(iter(key_clusters)))]
    fingerprints = warehouse.execute(
        "SELECT count(DISTINCT fingerprint) FROM cluster_events WHERE exception_type = 'KeyError'"
    ).fetchall()[0][0]
    assert fingerprints == 2  # two signatures (renamed wrapper, other deployment), one cluster
    (cls,) = warehouse.execute(
        "SELECT failure_class FROM clusters WHERE cluster_id = ?", [key_clusters.pop()]
    ).fetchall()[0]
    assert cls == "unchecked_external_json"
    missing = warehouse.execute("SELECT count(*) FROM core.events").fetchall()[0][0] - len(rows)
    assert missing == 0
