"""Failure class of a cluster from the catalog rules (`[[classify]]` of models/failure_classes/classes/*.toml)."""

from __future__ import annotations

import pytest

from clusters.factory import NOW, F, add_event, add_log_record, fingerprint
from models.clusters import build_clusters
from models.clusters.classify import known_classes, load_rules

CASES = {
    "missing_http_timeout": ("requests.exceptions.ReadTimeout",
                             "HTTPSConnectionPool(host='rates.example.com', port=443): Read timed out.",
                             "resp = requests.get(RATES_URL, params=q)", []),
    "retry_without_backoff": ("requests.exceptions.RetryError",
                              ("HTTPSConnectionPool(host='x.example.com', port=443): Max retries exceeded with url: "
                              "/v1 (Caused by ResponseError('too many 503 error responses'))"),
                              "resp = session.get(url)", []),
    "unbounded_load": ("MemoryError", "", "rows = list(cur.fetchall())", []),
    "sql_string_formatting": ("sqlite3.OperationalError", 'near "Reilly": syntax error',
                              "cur.execute(f\"SELECT * FROM users WHERE name = '{name}'\")", []),
    "missing_idempotency": ("sqlite3.IntegrityError", "UNIQUE constraint failed: payments.order_id",
                            "db.execute(INSERT_PAYMENT, row)", []),
    "resource_not_closed": ("OSError", "[Errno 24] Too many open files: '/data/export.csv'",
                            "fh = open(path)", []),
    "swallowed_exception": ("UnboundLocalError",
                            "cannot access local variable 'result' where it is not associated with a value",
                            "return result", ["try:", "    result = compute()", "except Exception:"]),
    "unchecked_external_json": ("KeyError", "'price'", 'amount = payload["price"] * qty',
                                ["payload = resp.json()"]),
    "check_then_act_race": ("FileExistsError", "[Errno 17] File exists: '/tmp/cache'", "os.makedirs(path)",
                            ["if not os.path.exists(path):"]),
    "subprocess_shell_true": ("subprocess.CalledProcessError",
                              "Command 'convert in.png out.pdf' returned non-zero exit status 127.",
                              "subprocess.run(cmd, shell=True, check=True)", []),
    "naive_datetime": ("TypeError", "can't compare offset-naive and offset-aware datetimes",
                       "if token.expires_at < datetime.now():", []),
    "unknown": ("ZeroDivisionError", "division by zero", "ratio = done / total", []),
}  # fmt: skip


def test_every_catalog_case_gets_its_class(warehouse):
    con = warehouse
    for i, (expected, (etype, value, code, pre)) in enumerate(CASES.items()):
        frames = [
            F("shop/views.py", "handle", "return work(req)", 5, "shop.views"),
            F(f"shop/mod{i}.py", f"work{i}", code, 20, f"shop.mod{i}", pre_context=tuple(pre)),
        ]
        add_event(con, expected, ts=NOW, exc_type=etype, value=value, frames=frames)
    # a KeyError on an internal dict (no external payload at the crash site) stays unknown
    add_event(con, "keyerror-config", ts=NOW, exc_type="KeyError", value="'region'",
              frames=[F("shop/settings.py", "region", "return REGIONS[name]", 3, "shop.settings")])  # fmt: skip
    # secrets in logs: an error-level log template (no exception at all)
    add_log_record(con, "secret-log", ts=NOW, message="upstream call failed, sent Authorization: Bearer eyJhbGciOi",
                   template_id="T-secret", template="upstream call failed, sent Authorization: Bearer <*>")  # fmt: skip
    fingerprint(con)
    build_clusters(con)
    got = dict(con.execute(
        "SELECT ce.event_id, c.failure_class FROM cluster_events ce JOIN clusters c USING (cluster_id)"
    ).fetchall())  # fmt: skip
    assert {k: got[k] for k in CASES} == {k: k for k in CASES}
    assert got["keyerror-config"] == "unknown"
    assert con.execute(
        "SELECT c.failure_class FROM clusters c JOIN cluster_signatures s USING (cluster_id) WHERE s.signature = 'T-secret'"
    ).fetchall() == [("secrets_in_logs",)]
    assert set(known_classes()) - {"unknown"} <= {r.failure_class for r in load_rules()}  # every class has a rule


def test_a_bad_rule_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "rules.toml"
    bad.write_text('[[rule]]\nid = "x"\nclass = "not_a_class"\ntypes = ["KeyError"]\n')
    with pytest.raises(ValueError, match="not in the catalog"):
        load_rules(bad)
    bad.write_text('[[rule]]\nid = "y"\nclass = "unknown"\nmessage = ["(unclosed"]\n')
    with pytest.raises(ValueError, match="bad regex"):
        load_rules(bad)
