"""Materialize the whole pipeline in-process (what `hindsight run` and `make demo` call)."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg


def materialize_all(config_path: str | Path | None = None, warehouse: str | Path | None = None,
                    selection: str | None = None, raise_on_error: bool = False) -> dg.ExecuteInProcessResult:
    """Run every asset (or a selection like 'group:sources') once, in this process.

    The config path and warehouse are passed through the environment so the resources built by
    `pipelines.definitions` see them.
    """
    if config_path:
        os.environ["HINDSIGHT_CONFIG"] = str(Path(config_path).resolve())
    if warehouse:
        os.environ["HINDSIGHT_WAREHOUSE"] = str(Path(warehouse).resolve())
    from pipelines.definitions import build_definitions

    defs = build_definitions()
    job = defs.resolve_implicit_global_asset_job_def()
    if selection:
        asset_selection = dg.AssetSelection.from_string(selection)
        job = dg.define_asset_job("selection", selection=asset_selection).resolve(
            asset_graph=defs.resolve_asset_graph()
        )
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    quiet = {"loggers": {"console": {"config": {"log_level": os.environ.get("HINDSIGHT_DAGSTER_LOG_LEVEL", "WARNING")}}}}
    return job.execute_in_process(instance=instance, run_config=quiet, raise_on_error=raise_on_error)
