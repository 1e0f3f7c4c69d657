"""Fixtures: the known-risk world repository, ingested and trained once per test module."""

from __future__ import annotations

import pytest

from models.config import Config, RepositoryConfig
from models.history import ingest_repository
from models.risk import update_repository
from models.warehouse import connect

from .world import build_world


def world_config(path, warehouse) -> Config:
    repo = RepositoryConfig(name="app", path=path, default_branch="main")
    return Config(warehouse=warehouse, repositories=(repo,), raw={"repositories": [
        {"name": "app", "path": str(path), "commit_url": "https://git.example/app/commit/{sha}"}]})


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build_world(tmp_path_factory.mktemp("world") / "repo")


@pytest.fixture(scope="module")
def trained(world, tmp_path_factory):
    """(warehouse path, config, world, first update result): history ingested, model trained."""
    warehouse = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    config = world_config(world.repo.path, warehouse)
    con = connect(warehouse)
    try:
        ingest_repository(con, config.repositories[0])
        result = update_repository(con, config.repositories[0], config)
    finally:
        con.close()
    return warehouse, config, world, result
