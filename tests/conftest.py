"""Shared fixtures: a real DuckDB warehouse file per test, and the shared datasets when present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models.warehouse import connect

# Tests choose their own warehouse, config and Dagster instance: never the developer's (or make's) ones.
for _var in ("HINDSIGHT_WAREHOUSE", "HINDSIGHT_CONFIG", "DAGSTER_HOME", "SENTRY_DSN", "HINDSIGHT_SELF_EVENTS"):
    os.environ.pop(_var, None)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = Path(os.environ.get("HINDSIGHT_SHARED_DATASETS", PROJECT_ROOT.parent / "shared" / "datasets"))


@pytest.fixture
def warehouse_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture
def warehouse(warehouse_path: Path):
    """A connection to a fresh warehouse file with the full schema applied."""
    con = connect(warehouse_path)
    yield con
    con.close()


@pytest.fixture
def shared_datasets() -> Path:
    if not SHARED_DATASETS.exists():
        pytest.skip(f"shared datasets not found at {SHARED_DATASETS} (tests may read them; the project runs without)")
    return SHARED_DATASETS
