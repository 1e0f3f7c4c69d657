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


def existing_upstream(upstream: dg.Definitions) -> list[dg.AssetKey]:
    """The assets of UPSTREAM that `upstream` (the other stages' definitions) holds, in UPSTREAM's order."""
    keys = {key for asset in upstream.assets or [] for key in asset.keys}
    return [dg.AssetKey(name) for name in UPSTREAM if dg.AssetKey(name) in keys]


def build_snapshot_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(name="dashboard_snapshot", group_name="publish", deps=upstream,
              description="Records the pipeline run and atomically publishes `<warehouse>.snapshot.duckdb` for readers.")
    def dashboard_snapshot(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        with warehouse_connection(duckdb) as con:
            detail = {"assets": [k.to_user_string() for k in upstream]}
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


def definitions(upstream: dg.Definitions) -> dg.Definitions:
    """This stage's part: the snapshot asset, waiting for whichever dashboard inputs `upstream` defines."""
    return dg.Definitions(assets=[build_snapshot_asset(existing_upstream(upstream))])
