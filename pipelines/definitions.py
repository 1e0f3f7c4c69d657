"""One Definitions object for the whole platform: every stage's own definitions, merged.

Each stage module exposes `defs` (its assets, checks, sensors, schedules and jobs); the publish stage's
snapshot waits for what the others define, so it is built from their merge. Nothing is rewritten at
import time. Assets run in-process (one process, so one DuckDB writer at a time).
"""

from __future__ import annotations

import dagster as dg

from pipelines import attribution, clusters, feedback, history, publish, risk, signatures, sources
from pipelines.resources import default_resources

STAGES = [sources, history, signatures, clusters, attribution, feedback, risk]

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
    stages = dg.Definitions.merge(*(stage.defs for stage in STAGES))
    platform = dg.Definitions(
        schedules=[daily_pipeline_schedule],
        jobs=[whole_pipeline_job],
        resources=default_resources(config_path, warehouse),
        executor=dg.in_process_executor,
    )
    return dg.Definitions.merge(stages, publish.definitions(stages), platform)


defs = build_definitions()
