"""The `change_risk` asset materialized with the real `commits` asset, its check, and a no-op re-run."""

from __future__ import annotations

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from pipelines import history, risk
from pipelines.resources import HindsightConfigResource

from .world import build_world


def test_change_risk_asset_trains_scores_and_skips_when_nothing_changed(tmp_path):
    world = build_world(tmp_path / "repo", seed=5, commits=80)
    toml = tmp_path / "hindsight.toml"
    toml.write_text(f'[[repositories]]\nname = "app"\npath = "{world.repo.path}"\n', encoding="utf-8")
    wh = tmp_path / "warehouse.duckdb"
    resources = {"duckdb": DuckDBResource(database=str(wh)), "hindsight": HindsightConfigResource(config_path=str(toml))}
    defs = [history.commits_asset, risk.change_risk_asset, risk.every_commit_scored]

    first = dg.materialize(defs, resources=resources)
    assert first.success
    meta = first.asset_materializations_for_node("change_risk")[0].metadata
    assert meta["trained"].value == 1 and meta["scored"].value == world.n
    (check,) = first.get_asset_check_evaluations()
    assert check.passed and check.metadata["unscored_commits"].value == 0

    again = dg.materialize(defs, resources=resources)
    meta = again.asset_materializations_for_node("change_risk")[0].metadata
    assert meta["unchanged"].value == 1 and meta["scored"].value == 0

    con = duckdb.connect(str(wh), read_only=True)
    try:
        assert con.sql("SELECT count(*), count(DISTINCT model_version) FROM change_risk").fetchall() == [(world.n, 1)]
        assert con.sql("SELECT is_latest, n_positive FROM risk_models").fetchall() == [(True, len(world.buggy))]
    finally:
        con.close()
