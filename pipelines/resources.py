"""Resources shared by every asset: the DuckDB warehouse and the Hindsight settings.

The settings reach the assets through these resources, never through `os.environ`: `hindsight run` and
`hindsight demo` build them from their flags (`pipelines.runner.materialize_all`); `dagster dev` builds
them at import of `pipelines.definitions` from the environment and ./hindsight.toml. Both go through
`models.config.load_config`, so the precedence is the same (flags > environment > file > defaults).
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import dagster as dg
from dagster_duckdb import DuckDBResource

from models.config import Config, load_config
from models.warehouse import ensure_schema


class HindsightConfigResource(dg.ConfigurableResource):
    """Where the settings come from: the flags of `load_config` ('' = not given: the environment, then
    ./hindsight.toml). Each asset loads them afresh, so a changed file applies to the next run."""

    config_path: str = ""
    warehouse: str = ""

    def load(self) -> Config:
        return load_config(self.config_path or None, warehouse=self.warehouse or None)


@contextmanager
def warehouse_connection(duckdb: DuckDBResource):
    """A connection with the schema applied; one writer process at a time (see README)."""
    os.makedirs(os.path.dirname(duckdb.database), exist_ok=True)
    with duckdb.get_connection() as con:
        ensure_schema(con)
        yield con


def default_resources(config_path: str | os.PathLike | None = None, warehouse: str | os.PathLike | None = None) -> dict:
    """The resources for these flags (None: not given). The configuration file is read once here, to place
    the warehouse (its folder is made on first write); paths are kept absolute, so a run in another working
    directory reads the same file."""
    config = load_config(config_path, warehouse=warehouse)
    database = os.path.abspath(config.warehouse)
    return {
        "duckdb": DuckDBResource(database=database),
        "hindsight": HindsightConfigResource(config_path=str(config.file or ""), warehouse=database),
    }
