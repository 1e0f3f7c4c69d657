"""Shared fixtures: a real DuckDB warehouse file per test, and the shared datasets when present."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from models.warehouse import connect

# Tests choose their own warehouse, config and Dagster instance: never the developer's (or make's) ones.
for _var in ("HINDSIGHT_WAREHOUSE", "HINDSIGHT_CONFIG", "DAGSTER_HOME", "SENTRY_DSN", "HINDSIGHT_SELF_EVENTS"):
    os.environ.pop(_var, None)
os.environ["HINDSIGHT_DAGSTER_EPHEMERAL"] = "1"  # without DAGSTER_HOME, runs go to an ephemeral instance, not dagster_home/

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = Path(os.environ.get("HINDSIGHT_SHARED_DATASETS", PROJECT_ROOT.parent / "shared" / "datasets"))


@pytest.fixture
def warehouse_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


# Tables kept unique by how they are written, not by an index (see their schema): checked after every
# test that used a warehouse.
UNINDEXED_KEYS = {
    "core.exceptions": "event_id, exception_index",
    "core.frames": "event_id, exception_index, frame_index",
    "core.thread_frames": "event_id, thread_index, frame_index",
}


@pytest.fixture
def warehouse(warehouse_path: Path):
    """A connection to a fresh warehouse file with the full schema applied."""
    con = connect(warehouse_path)
    yield con
    try:
        assert_unindexed_keys_unique(con)
    except duckdb.ConnectionException:  # the test closed the connection itself: check the file
        with connect(warehouse_path, read_only=True, schema=False) as again:
            assert_unindexed_keys_unique(again)
    finally:
        con.close()


def assert_unindexed_keys_unique(con) -> None:
    for table, key in UNINDEXED_KEYS.items():
        rows, keys = con.execute(f"SELECT count(*), count(DISTINCT ({key})) FROM {table}").fetchone()
        assert rows == keys, f"{table}: {rows - keys} rows repeat a ({key}) key"


SHARED_ABSENT_REASON = (
    f"shared datasets not found at {SHARED_DATASETS}: these tests score against ../shared/datasets, "
    "which the project itself does not need"
)


def pytest_configure(config):
    """CI always has shared/ beside the clone, so there its absence is an error, not a skip. Checked
    here, before xdist starts its workers: an error raised during a worker's collection only shows as
    an INTERNALERROR naming the first test, and the reason is lost."""
    if os.environ.get("CI") and not SHARED_DATASETS.exists():
        raise pytest.UsageError(f"CI run without {SHARED_DATASETS}: shared/ must sit beside the clone")


def pytest_collection_modifyitems(config, items):
    """Tests that read ../shared/datasets are skipped (with the reason) only where it is absent."""
    if SHARED_DATASETS.exists():
        return
    absent = pytest.mark.skipif(True, reason=SHARED_ABSENT_REASON)
    for item in items:
        if "shared_datasets" in getattr(item, "fixturenames", ()):
            item.add_marker(absent)


@pytest.fixture
def shared_datasets() -> Path:
    assert SHARED_DATASETS.exists(), SHARED_ABSENT_REASON
    return SHARED_DATASETS
