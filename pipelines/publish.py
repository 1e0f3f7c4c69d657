"""The pipeline's last step: record the run and publish the read-only snapshot the dashboard reads."""


import json

import dagster as dg
from dagster_duckdb import DuckDBResource

from models.warehouse.snapshot import publish_snapshot
from pipelines.resources import warehouse_connection

# Everything a dashboard page shows; the snapshot waits for whichever of these exist in this deployment.
UPSTREAM = ["sentry_events", "log_records", "incidents", "commits", "event_fingerprints", "log_templates",
            "clusters", "cluster_flags", "incident_clusters", "frame_attribution", "suspect_commits",
            "ai_failure_rates", "rule_pack", "guidance", "rule_efficacy", "change_risk"]


def _existing_upstream() -> list[dg.AssetKey]:
    from pipelines import attribution, clusters, feedback, history, risk, signatures, sources

    keys = set()
    for stage in (sources, history, signatures, clusters, attribution, feedback, risk):
        for asset in stage.assets:
            keys.update(asset.keys)
    return [dg.AssetKey(name) for name in UPSTREAM if dg.AssetKey(name) in keys]


def build_snapshot_asset() -> dg.AssetsDefinition:
    @dg.asset(name="dashboard_snapshot", group_name="publish", deps=_existing_upstream(),
              description="Records the pipeline run and atomically publishes `<warehouse>.snapshot.duckdb` for readers.")
    def dashboard_snapshot(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        with warehouse_connection(duckdb) as con:
            detail = {"assets": [k.to_user_string() for k in _existing_upstream()]}
            con.execute(
                "INSERT OR REPLACE INTO core.pipeline_runs VALUES (?, coalesce(to_timestamp(?)::TIMESTAMP, now()::TIMESTAMP), "
                "now()::TIMESTAMP, 'success', ?, ?)",
                [context.run.run_id, _run_start(context), context.run.tags.get("dagster/schedule_name") and "schedule" or "dagster",
                 json.dumps(detail)],
            )
            con.execute("CHECKPOINT")
            path = publish_snapshot(con, duckdb.database)
        return dg.MaterializeResult(metadata={"snapshot": str(path), "bytes": path.stat().st_size})

    return dashboard_snapshot


def _run_start(context) -> float | None:
    try:
        return context.instance.get_run_stats(context.run.run_id).start_time
    except Exception:  # noqa: BLE001 - the start time is informative only
        return None


assets: list = []
asset_checks: list = []
sensors: list = []
schedules: list = []
jobs: list = []


def finalize() -> None:
    """Called by pipelines.definitions after the other stages are imported."""
    assets[:] = [build_snapshot_asset()]
