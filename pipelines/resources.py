"""Resources shared by every asset: the DuckDB warehouse and the Hindsight configuration."""

from __future__ import annotations

import os
from contextlib import contextmanager

import dagster as dg
from dagster_duckdb import DuckDBResource

from models.config import Config, load_config
from models.warehouse import ensure_schema


class HindsightConfigResource(dg.ConfigurableResource):
    """Path to hindsight.toml ('' = $HINDSIGHT_CONFIG or ./hindsight.toml)."""

    config_path: str = ""

    def load(self) -> Config:
        return load_config(self.config_path or None)


@contextmanager
def warehouse_connection(duckdb: DuckDBResource):
    """A connection with the schema applied; one writer process at a time (see README)."""
    with duckdb.get_connection() as con:
        ensure_schema(con)
        yield con


def default_resources() -> dict:
    config = load_config(os.environ.get("HINDSIGHT_CONFIG") or None)
    warehouse = os.environ.get("HINDSIGHT_WAREHOUSE") or str(config.warehouse)
    os.makedirs(os.path.dirname(os.path.abspath(warehouse)), exist_ok=True)
    return {
        "duckdb": DuckDBResource(database=warehouse),
        "hindsight": HindsightConfigResource(config_path=os.environ.get("HINDSIGHT_CONFIG", "")),
    }
