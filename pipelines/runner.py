"""Materialize the whole pipeline in-process (what `hindsight run` and `make demo` call)."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # the checkout, or site-packages when installed


def default_dagster_home(package_root: Path = PACKAGE_ROOT) -> Path:
    """Where runs are recorded without $DAGSTER_HOME. In a source checkout (`workspace.yaml` beside the
    packages): the project's `dagster_home/`, the instance `make dev` serves (the Makefile exports
    DAGSTER_HOME=$(CURDIR)/dagster_home), so the Dagster UI shows runs of `hindsight run` / `hindsight demo`.
    From an installed wheel the packages sit in site-packages, which is no place to write: the user's state
    folder, `$XDG_STATE_HOME/hindsight/dagster_home` (default `~/.local/state/hindsight/dagster_home`)."""
    if (package_root / "workspace.yaml").is_file():
        return package_root / "dagster_home"
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "hindsight" / "dagster_home"


DEFAULT_DAGSTER_HOME = default_dagster_home()
EPHEMERAL_ENV = "HINDSIGHT_DAGSTER_EPHEMERAL"  # "1": record nothing (tests, benchmarks)
TELEMETRY_OFF = "telemetry:\n  enabled: false\n"


def dagster_instance() -> dg.DagsterInstance:
    """$DAGSTER_HOME's instance; else an ephemeral one when $HINDSIGHT_DAGSTER_EPHEMERAL=1; else
    `DEFAULT_DAGSTER_HOME` (created with telemetry off): in a checkout, the instance `make dev` uses."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    if os.environ.get(EPHEMERAL_ENV) == "1":
        return dg.DagsterInstance.ephemeral()
    DEFAULT_DAGSTER_HOME.mkdir(parents=True, exist_ok=True)
    settings = DEFAULT_DAGSTER_HOME / "dagster.yaml"
    if not settings.exists():
        settings.write_text(TELEMETRY_OFF, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(DEFAULT_DAGSTER_HOME)  # for anything this process starts
    return dg.DagsterInstance.get()


def materialize_all(config_path: str | Path | None = None, warehouse: str | Path | None = None,
                    selection: str | None = None, raise_on_error: bool = False,
                    default_log_level: str = "WARNING") -> dg.ExecuteInProcessResult:
    """Run every asset (or a selection like 'group:sources') once, in this process.

    `config_path` and `warehouse` are the settings flags (None: the environment, then ./hindsight.toml):
    they reach the assets through the Dagster resources, and this process's environment is left as it was.
    Dagster's console log level: $HINDSIGHT_DAGSTER_LOG_LEVEL, else `default_log_level`.
    """
    from models.config import load_config
    from pipelines.compute import preflight
    from pipelines.definitions import build_definitions

    preflight(load_config(config_path, warehouse=warehouse))  # a down cluster fails before any write
    defs = build_definitions(config_path, warehouse)
    job = defs.resolve_implicit_global_asset_job_def()
    if selection:
        asset_selection = dg.AssetSelection.from_string(selection)
        job = dg.define_asset_job("selection", selection=asset_selection).resolve(
            asset_graph=defs.resolve_asset_graph()
        )
    instance = dagster_instance()
    level = os.environ.get("HINDSIGHT_DAGSTER_LOG_LEVEL") or default_log_level
    quiet = {"loggers": {"console": {"config": {"log_level": level}}}}
    return job.execute_in_process(instance=instance, run_config=quiet, raise_on_error=raise_on_error)
