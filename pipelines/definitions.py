"""One Definitions object for the whole platform, gathered from the stage modules.

Assets run in-process (one process, so one DuckDB writer at a time).
"""

from __future__ import annotations

import dagster as dg

from pipelines import attribution, clusters, feedback, history, publish, risk, signatures, sources
from pipelines.resources import default_resources

STAGES = [sources, history, signatures, clusters, attribution, feedback, risk, publish]
publish.finalize()


def _gather(name: str) -> list:
    return [item for stage in STAGES for item in getattr(stage, name)]


# The whole pipeline, every asset, in flow order (Dagster orders by dependencies).
whole_pipeline_job = dg.define_asset_job("hindsight_pipeline", selection=dg.AssetSelection.all())

daily_pipeline_schedule = dg.ScheduleDefinition(
    name="daily_pipeline",
    job=whole_pipeline_job,
    cron_schedule="0 5 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


def build_definitions(config_path=None, warehouse=None) -> dg.Definitions:
    """Every definition, with the resources for these settings flags (see pipelines/resources.py)."""
    return dg.Definitions(
        assets=_gather("assets"),
        asset_checks=_gather("asset_checks"),
        sensors=_gather("sensors"),
        schedules=[daily_pipeline_schedule, *_gather("schedules")],
        jobs=[whole_pipeline_job, *_gather("jobs")],
        resources=default_resources(config_path, warehouse),
        executor=dg.in_process_executor,
    )


defs = build_definitions()
