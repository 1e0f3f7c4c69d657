"""Training per repository: labels recover the known defects, the model ranks them first, re-runs do nothing."""

from __future__ import annotations

import polars as pl

from models.history import ingest_repository
from models.risk import latest_model, update_repository
from models.warehouse import connect, read_sql

from .conftest import world_config
from .world import build_world

TABLES = ["risk_diffs", "risk_hunks", "risk_szz_fixes", "risk_szz_links", "risk_features", "risk_models",
          "risk_scores", "risk_state"]


def _snapshot(con) -> dict:
    return {t: con.sql(f"SELECT count(*), md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)) FROM core.{t} AS t")
            .fetchall()[0] for t in TABLES}


def test_labels_model_and_scores(trained):
    warehouse, _, world, result = trained
    assert result["mode"] == "trained" and result["version"] == 1
    con = connect(warehouse, read_only=True)
    try:
        labelled = {r[0] for r in con.sql("SELECT sha FROM change_risk WHERE labelled_defect").fetchall()}
        # SZZ from the world's fix commits recovers exactly its defect-inducing commits
        assert labelled == set(world.buggy)
        scores = con.sql("SELECT sha, probability, risk_level, reasons FROM change_risk").pl()
        assert scores.height == world.n and scores["probability"].is_between(0, 1).all()
        buggy = scores.filter(pl.col("sha").is_in(world.buggy))
        clean = scores.filter(~pl.col("sha").is_in(world.buggy))
        assert buggy["probability"].min() > clean["probability"].median()
        assert (buggy["risk_level"] == "high").mean() > 0.8
        top = buggy.row(0, named=True)
        assert "lines" in top["reasons"]
        stored = latest_model(con, "app")
        assert stored.model.features[0] == "la" and stored.n_positive == len(world.buggy)
        assert con.sql("SELECT count(*) FROM risk_szz WHERE status = 'blamed'").fetchall() == [(len(world.fixes),)]
    finally:
        con.close()


def test_rerun_on_unchanged_history_writes_nothing(trained):
    warehouse, config, _, _ = trained
    con = connect(warehouse)
    try:
        before = _snapshot(con)
        again = update_repository(con, config.repositories[0], config)
        assert again["mode"] == "unchanged" and again["scored"] == 0
        assert again["hunks"]["commits"] == 0 and again["szz"] == {}
        assert _snapshot(con) == before
    finally:
        con.close()


def test_new_commits_train_a_new_version_and_old_ones_are_pruned(tmp_path):
    world = build_world(tmp_path / "repo", seed=3, commits=70)
    config = world_config(world.repo.path, tmp_path / "wh.duckdb")
    con = connect(tmp_path / "wh.duckdb")
    try:
        repo = config.repositories[0]
        ingest_repository(con, repo)
        assert update_repository(con, repo, config)["version"] == 1
        for version in (2, 3, 4):
            world.docs("Ana <ana@example.com>")
            ingest_repository(con, repo)
            result = update_repository(con, repo, config)
            assert (result["mode"], result["version"], result["hunks"]["commits"]) == ("trained", version, 1)
        assert con.sql("SELECT list(version ORDER BY version) FROM core.risk_models").fetchall() == [([2, 3, 4],)]
        assert con.sql("SELECT count(DISTINCT model_version) FROM core.risk_scores").fetchall() == [(3,)]
        assert con.sql("SELECT count(DISTINCT features_version) FROM core.risk_features").fetchall() == [(3,)]
        unscored = con.sql(read_sql("queries/risk/count_unscored_commits")).fetchall()
        assert unscored == [("app", 0)]
    finally:
        con.close()


def test_no_labels_no_model(tmp_path):
    from attribution.helpers import GitRepoBuilder

    repo = GitRepoBuilder(tmp_path / "r")
    for i in range(5):
        repo.commit({"a.py": f"x = {i}\n"}, f"feat: step {i}")
    config = world_config(repo.path, tmp_path / "wh.duckdb")
    con = connect(tmp_path / "wh.duckdb")
    try:
        ingest_repository(con, config.repositories[0])
        first = update_repository(con, config.repositories[0], config)
        assert first["mode"] == "no_labels" and "no commit is labelled" in first["reason"]
        assert update_repository(con, config.repositories[0], config)["mode"] == "unchanged"
        assert latest_model(con, "app") is None
    finally:
        con.close()
