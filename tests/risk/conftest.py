"""Fixtures: the known-risk world repository, ingested and trained once per test module."""

from __future__ import annotations

import pytest

from models.config import Config, RepositoryConfig
from models.history import ingest_repository
from models.risk import update_repository
from models.warehouse import connect

from .world import build_world


def world_config(path, warehouse) -> Config:
    repo = RepositoryConfig(name="app", path=path, default_branch="main",
                            commit_url="https://git.example/app/commit/{sha}")
    return Config(warehouse=warehouse, repositories=(repo,))


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


ZED = "Zed <zed@example.com>"
HOSTILE = "feat: @everyone <img src=x onerror=y> [x](https://evil.example) `rm -rf`"


@pytest.fixture(scope="module")
def branches(trained):
    """A risky branch (50 new lines in app/core.py by a newcomer, AI-assisted) and a harmless one (docs)."""
    _, _, world, _ = trained
    repo = world.repo
    repo.git("checkout", "-q", "-b", "risky", "main")
    body = "\n".join(f"def z{i}(x):\n    return x - {i}" for i in range(25))
    core = (repo.path / "app/core.py").read_text() + body + "\n"
    risky = repo.commit({"app/core.py": core}, HOSTILE + "\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
                        author=ZED, when="2026-06-01T10:00:00+00:00")
    repo.git("checkout", "-q", "-b", "harmless", "main")
    guide = (repo.path / "docs/guide.md").read_text() + "One more sentence.\n"
    harmless = repo.commit({"docs/guide.md": guide}, "docs: clarify", author="Ana <ana@example.com>",
                           when="2026-06-01T11:00:00+00:00")
    repo.git("checkout", "-q", "main")
    return risky, harmless
