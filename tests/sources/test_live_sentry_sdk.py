"""The real sentry-sdk, in a child process, sends to a real `hindsight serve`; one `hindsight run` later
every event is in the warehouse once, with its exception chain and frames, and the planted secret is
in no text column of any table and nowhere in the warehouse file or the landing folder."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import duckdb
import pytest

SECRET = "sk_live_" + "Q7pL2xV9mK4nR8sT1wY6zB3c"

APP = textwrap.dedent('''
    import json, sys
    import sentry_sdk

    sentry_sdk.init(dsn=sys.argv[1], release="shop@2.0.1", environment="production",
                    include_local_variables=True, max_breadcrumbs=50)
    SECRET = sys.argv[2]

    def charge(order_id, amount):
        api_key = SECRET  # a local that holds the secret
        sentry_sdk.add_breadcrumb(category="stripe", message=f"POST /v1/charges with {SECRET}")
        raise ConnectionError(f"payment provider refused key {SECRET} for order {order_id}")

    def checkout(order_id):
        try:
            charge(order_id, 12.5)
        except ConnectionError as exc:
            raise RuntimeError(f"checkout {order_id} failed") from exc

    ids = []
    sentry_sdk.set_tag("service", "checkout")
    sentry_sdk.set_extra("stripe_key", SECRET)
    for i in range(int(sys.argv[3])):
        try:
            checkout(i)
        except RuntimeError:
            ids.append(sentry_sdk.capture_exception())
    ids.append(sentry_sdk.capture_message(f"refund queue stalled (key {SECRET})", level="warning"))
    sentry_sdk.flush(timeout=30)
    print(json.dumps(ids))
''')

TEXT_TYPES = ("VARCHAR", "JSON")


def _text_columns(con) -> list[tuple[str, str, str]]:
    return con.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE data_type IN ('VARCHAR', 'JSON') OR data_type LIKE '%VARCHAR[]%' OR data_type LIKE 'STRUCT%' "
        "OR data_type LIKE 'MAP%' ORDER BY ALL"
    ).fetchall()


@pytest.mark.slow
def test_sentry_sdk_events_arrive_once_with_frames_and_no_secret(live, tmp_path):
    dsn, _, _ = live.create_key("shop")
    live.start()
    app = tmp_path / "app.py"
    app.write_text(APP)
    n = 12
    child = subprocess.run([sys.executable, str(app), dsn, SECRET, str(n)], check=False, capture_output=True,
                           text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    ids = [i.replace("-", "") for i in json.loads(child.stdout.strip().splitlines()[-1])]
    assert len(ids) == n + 1 and all(ids)

    health = live.health()
    assert health["items"]["event"] == n + 1
    live.stop()  # seals the open spool segment (a running server seals it within --segment-age anyway)
    assert SECRET not in live.logs()  # access logs carry no payload

    live.cli("run", "--select", "group:sources")  # one pipeline run (its sources stage) ingests the landing folders

    con = duckdb.connect(str(live.warehouse), read_only=True)
    try:
        rows = dict(con.execute("SELECT event_id, count(*) FROM core.events GROUP BY 1").fetchall())
        assert sorted(rows) == sorted(ids) and set(rows.values()) == {1}
        chains = con.execute(
            "SELECT e.event_id, count(DISTINCT x.exception_index), count(f.frame_index), "
            "max(x.type) FILTER (WHERE x.is_main), min(x.type) FILTER (WHERE NOT x.is_main) "
            "FROM core.events e JOIN core.exceptions x USING (event_id) "
            "LEFT JOIN core.frames f ON f.event_id = x.event_id AND f.exception_index = x.exception_index "
            "GROUP BY 1"
        ).fetchall()
        assert len(chains) == n
        for _, n_exc, n_frames, main, cause in chains:
            assert n_exc == 2 and n_frames >= 2 and main == "RuntimeError" and cause == "ConnectionError"
        charge_vars = con.execute("SELECT vars FROM core.frames WHERE function = 'charge'").fetchall()
        assert len(charge_vars) == n and all("api_key" in v[0] for v in charge_vars)
        message = con.execute("SELECT message FROM core.events WHERE exception_type IS NULL").fetchall()
        assert len(message) == 1 and "refund queue stalled" in message[0][0]
        leaks = []
        for schema, table, column in _text_columns(con):
            hit = con.execute(
                f'SELECT count(*) FROM "{schema}"."{table}" WHERE CAST("{column}" AS VARCHAR) LIKE ?',
                [f"%{SECRET}%"],
            ).fetchone()[0]
            if hit:
                leaks.append(f"{schema}.{table}.{column}")
        assert not leaks, f"secret stored in {leaks}"
        assert con.execute("SELECT count(*) FROM core.events WHERE extra LIKE '%<secret:stripe_key>%'").fetchone()[0] == n + 1
    finally:
        con.close()
    assert SECRET.encode() not in live.warehouse.read_bytes()
    # the raw spool files (unscrubbed) are gone once ingested; only the ledger remembers them
    leftovers = [p for p in live.landing.rglob("*") if p.is_file() and p.suffix in (".envelope", ".part", ".jsonl")]
    assert leftovers == []
