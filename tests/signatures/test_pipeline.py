"""A real Dagster materialization of the signatures assets on a warehouse with real events and logs."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from models.sources import ingest_path
from models.warehouse import connect
from pipelines.resources import HindsightConfigResource
from pipelines.signatures import asset_checks, event_fingerprints, log_templates

from .helpers import event, frame, ingest_events


def test_materialize_signature_assets(tmp_path, warehouse_path):
    con = connect(warehouse_path)
    ingest_events(
        con,
        tmp_path,
        [
            event(
                "a" * 32,
                exc=[
                    {
                        "type": "KeyError",
                        "value": "'sku'",
                        "stacktrace": {"frames": [frame("shop.cart", "add", "price = item['sku']")]},
                    }
                ],
            ),
            event(
                "b" * 32,
                exc=[
                    {
                        "type": "KeyError",
                        "value": "'qty'",
                        "stacktrace": {
                            "frames": [frame("shop.cart", "add", "price = item['sku']", lineno=99)]
                        },
                    }
                ],
            ),
            event("c" * 32, message="payment 7 declined"),
        ],
    )
    log = tmp_path / "app.log"
    log.write_text(
        "2026-11-01 10:00:00 INFO web: GET /cart 200 in 12 ms\n"
        "2026-11-01 10:00:01 INFO web: GET /cart 200 in 15 ms\n"
        "2026-11-01 10:00:02 ERROR web: payment 7 declined\n"
    )
    ingest_path(con, log, source="logs", line_format="<Date> <Time> <Level> <Component>: <Content>")
    records = con.execute("SELECT count(*) FROM core.log_records").fetchone()[0]
    con.close()
    config = tmp_path / "hindsight.toml"
    config.write_text(
        f'[warehouse]\npath = "{warehouse_path}"\n'
        '[signatures]\nfingerprint_rules = ["message:\\"payment*\\" -> payments"]\n'
    )

    result = dg.materialize(
        [event_fingerprints, log_templates, *asset_checks],
        resources={
            "duckdb": DuckDBResource(database=str(warehouse_path)),
            "hindsight": HindsightConfigResource(config_path=str(config)),
        },
    )
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert len(checks) == 2 and all(c.passed for c in checks)
    meta = result.asset_materializations_for_node("event_fingerprints")[0].metadata
    assert meta["events_fingerprinted"].value == 3 and meta["distinct_fingerprints"].value == 2

    con = connect(warehouse_path, read_only=True)
    rows = dict(con.execute("SELECT event_id, variant FROM event_fingerprints").fetchall())
    assert rows["c" * 32] == "custom"
    assert con.execute("SELECT count(*) FROM log_record_templates").fetchone()[0] == records == 3
    assert con.execute("SELECT max(line_count) FROM log_templates").fetchone()[0] == 2
    con.close()


def test_assets_are_registered_in_definitions():
    from pipelines.definitions import defs

    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"event_fingerprints", "log_templates"} <= keys
    spec = defs.resolve_assets_def("event_fingerprints")
    deps = {k.to_user_string() for k in spec.asset_deps[spec.key]}
    assert deps == {"sentry_events", "log_records"}
