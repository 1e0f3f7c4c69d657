"""The new-commits sensor consults the warehouse: a repository already ingested (head, tips, notes, releases in
core.repositories / core.releases) starts no run, even on the sensor's first evaluation."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from models.config import load_config
from models.history import ingest_all
from models.warehouse import connect
from pipelines import history
from pipelines.resources import HindsightConfigResource

from .conftest import GitRepo
from .test_pipeline import write_config


def _evaluate(cursor, resources):
    ctx = dg.build_sensor_context(cursor=cursor, resources=resources)
    return history.new_commits_sensor(ctx), ctx.cursor


def _ingest(toml, warehouse):
    con = connect(warehouse)
    try:
        ingest_all(con, load_config(toml))
    finally:
        con.close()


def test_an_ingested_repository_starts_no_run_and_news_does(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit("init\n")
    repo.tag("v1.0.0")
    toml = write_config(tmp_path, repo)
    warehouse = tmp_path / "warehouse.duckdb"  # the path write_config names
    _ingest(toml, warehouse)  # e.g. `hindsight commits` before `dagster dev` starts
    resources = {"hindsight": HindsightConfigResource(config_path=str(toml)),
                 "duckdb": DuckDBResource(database=str(warehouse))}

    first, cursor = _evaluate(None, resources)  # a fresh sensor: no cursor, but the warehouse is up to date
    assert isinstance(first, dg.SkipReason) and "ingested" in first.skip_message

    repo.commit("fix\n")
    moved, cursor = _evaluate(cursor, resources)
    assert isinstance(moved, dg.RunRequest) and moved.tags["hindsight/repos"] == "shop"
    again, cursor = _evaluate(cursor, resources)  # the run is requested, not ingested yet: no second request
    assert isinstance(again, dg.SkipReason)

    _ingest(toml, warehouse)
    repo.tag("v1.0.1")  # a new release on the ingested head: the warehouse lacks that release
    tagged, cursor = _evaluate(cursor, resources)
    assert isinstance(tagged, dg.RunRequest)
    _ingest(toml, warehouse)
    done, _ = _evaluate(None, resources)
    assert isinstance(done, dg.SkipReason)


def test_the_sensor_reads_the_snapshot_while_a_writer_holds_the_warehouse(tmp_path):
    from models.warehouse.snapshot import publish_snapshot

    repo = GitRepo(tmp_path / "repo")
    repo.commit("init\n")
    toml = write_config(tmp_path, repo)
    warehouse = tmp_path / "warehouse.duckdb"
    con = connect(warehouse)
    try:
        ingest_all(con, load_config(toml))
        publish_snapshot(con, warehouse)
        # the writer still holds the warehouse (a run in progress): the sensor falls back to the snapshot
        resources = {"hindsight": HindsightConfigResource(config_path=str(toml)),
                     "duckdb": DuckDBResource(database=str(warehouse))}
        result, _ = _evaluate(None, resources)
    finally:
        con.close()
    assert isinstance(result, dg.SkipReason)
