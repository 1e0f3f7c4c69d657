"""Real Dagster materializations of the clusters assets, their checks, and the views."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg
from dagster_duckdb import DuckDBResource

from clusters.factory import NOW, add_event, add_incident, checkout_frames, fingerprint, sql_frames
from models.warehouse import connect
from pipelines import clusters as stage
from pipelines.resources import HindsightConfigResource

TIMEOUT = "HTTPSConnectionPool(host='api.pay.example.com', port=443): Read timed out."


def materialize(warehouse_path, tmp_path):
    config = tmp_path / "hindsight.toml"
    config.write_text(f'[warehouse]\npath = "{warehouse_path}"\n\n[clusters]\nquiet_days = 5\n')
    return dg.materialize(
        [*stage.assets, *stage.asset_checks],
        resources={
            "duckdb": DuckDBResource(database=str(warehouse_path)),
            "hindsight": HindsightConfigResource(config_path=str(config)),
        },
    )


def checks(result) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


def seed(path, *, fingerprinted: bool = True) -> None:
    con = connect(path)
    add_event(
        con, "t0", ts=NOW, exc_type="ReadTimeout", value=TIMEOUT, frames=checkout_frames(), trace_id="abc123"
    )
    add_event(
        con, "t1", ts=NOW + timedelta(days=9), exc_type="ReadTimeout", value=TIMEOUT, frames=checkout_frames()
    )
    add_event(con, "s0", ts=NOW, exc_type="OperationalError", value="near", frames=sql_frames())
    add_incident(con, "INC-1", started_at=NOW, trace_ids=["abc123"])
    if fingerprinted:
        fingerprint(con)
    con.close()


def test_materialize_assets_and_checks_pass(warehouse_path, tmp_path):
    seed(warehouse_path)
    result = materialize(warehouse_path, tmp_path)
    assert result.success
    assert checks(result) == {"every_error_event_has_a_cluster": True, "no_cluster_id_disappears": True}
    keys = {
        m.asset_key.to_user_string()
        for m in result.get_asset_materialization_events()
        for m in [m.materialization]
    }
    assert keys == {"clusters", "cluster_flags", "incident_clusters"}
    con = connect(warehouse_path, read_only=True)
    assert con.execute("SELECT count(*) FROM clusters WHERE status = 'active'").fetchall()[0][0] == 2
    assert con.execute("SELECT flag FROM cluster_flags WHERE flag = 'regression'").fetchall() == [
        ("regression",)
    ]
    assert con.execute("SELECT evidence, confidence FROM incident_clusters").fetchall() == [
        ("trace_id", 0.95)
    ]
    assert con.execute("SELECT sum(events) FROM cluster_daily").fetchall()[0][0] == 3
    con.close()
    # a second run keeps every id and the checks still pass
    again = materialize(warehouse_path, tmp_path)
    assert all(checks(again).values())


def test_checks_fail_when_an_event_has_no_cluster_or_an_id_disappears(warehouse_path, tmp_path):
    seed(warehouse_path)
    assert all(checks(materialize(warehouse_path, tmp_path)).values())
    con = connect(warehouse_path)
    # an event the fingerprinting stage never saw, and a cluster row lost by some faulty process
    add_event(con, "orphan", ts=NOW, exc_type="KeyError", value="'x'", frames=sql_frames())
    lost = con.execute("SELECT max(cluster_id) FROM core.clusters").fetchall()[0][0]
    con.execute("DELETE FROM core.cluster_members WHERE cluster_id = ?", [lost])
    con.execute("DELETE FROM core.clusters WHERE cluster_id = ?", [lost])
    con.close()
    result = materialize(warehouse_path, tmp_path)
    assert checks(result) == {"every_error_event_has_a_cluster": False, "no_cluster_id_disappears": False}
    evaluation = next(
        e for e in result.get_asset_check_evaluations() if e.check_name == "every_error_event_has_a_cluster"
    )
    assert evaluation.metadata["events_without_cluster"].value >= 1


def test_definitions_hold_the_clusters_group():
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"clusters", "cluster_flags", "incident_clusters"} <= keys
    assert {d.to_user_string() for d in graph.get(dg.AssetKey("clusters")).parent_keys} == {
        "event_fingerprints",
        "log_templates",
    }
    assert {d.to_user_string() for d in graph.get(dg.AssetKey("incident_clusters")).parent_keys} == {
        "clusters",
        "incidents",
    }
