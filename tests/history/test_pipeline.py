"""The `commits` asset materialized against a real warehouse, and the new-commits sensor."""

from __future__ import annotations

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from pipelines import history
from pipelines.resources import HindsightConfigResource

from .conftest import GitRepo


def write_config(tmp_path, repo: GitRepo):
    toml = tmp_path / "hindsight.toml"
    toml.write_text(
        f'[warehouse]\npath = "warehouse.duckdb"\n\n[[repositories]]\nname = "shop"\npath = "{repo.path}"\n'
        'default_branch = "main"\nrelease_pattern = "v{version}"\n',
        encoding="utf-8",
    )
    return toml


def test_commits_asset_materializes_into_the_warehouse(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit("init\n")
    repo.tag("v0.1.0")
    repo.commit("feat\n\nCo-authored-by: Amp <amp@ampcode.com>\n")
    toml = write_config(tmp_path, repo)
    wh = tmp_path / "warehouse.duckdb"
    resources = {
        "duckdb": DuckDBResource(database=str(wh)),
        "hindsight": HindsightConfigResource(config_path=str(toml)),
    }

    result = dg.materialize([history.commits_asset], resources=resources)
    assert result.success
    meta = result.asset_materializations_for_node("commits")[0].metadata
    assert meta["commits_total"].value == 2 and meta["ai_authored_total"].value == 1
    assert meta["releases_total"].value == 1
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("SELECT tool FROM ai_commits").fetchall() == [("amp",)]
    assert con.execute("SELECT count(*) FROM commits").fetchone()[0] == 2
    con.close()

    repo.commit("more\n")
    again = dg.materialize([history.commits_asset], resources=resources)
    assert again.asset_materializations_for_node("commits")[0].metadata["commits_new"].value == 1


def test_stage_lists_build_valid_definitions():
    """The module lists (gathered by pipelines/definitions.py) hold the asset and the sensor."""
    defs = dg.Definitions(
        assets=history.assets,
        sensors=history.sensors,
        resources={"duckdb": DuckDBResource(database=":memory:"), "hindsight": HindsightConfigResource()},
    )
    assets_def = defs.resolve_assets_def("commits")
    assert assets_def.group_names_by_key[dg.AssetKey("commits")] == "history"
    sensor = defs.resolve_sensor_def("new_commits_sensor")
    assert sensor.asset_selection.resolve(defs.resolve_asset_graph()) == {dg.AssetKey("commits")}


def test_new_commits_sensor_requests_a_run_when_head_moves(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit("init\n")
    toml = write_config(tmp_path, repo)
    resources = {"hindsight": HindsightConfigResource(config_path=str(toml)),
                 "duckdb": DuckDBResource(database=str(tmp_path / "never-built.duckdb"))}  # nothing ingested yet

    ctx = dg.build_sensor_context(resources=resources)
    first = history.new_commits_sensor(ctx)
    assert isinstance(first, dg.RunRequest) and first.tags["hindsight/repos"] == "shop"
    ctx = dg.build_sensor_context(cursor=ctx.cursor, resources=resources)
    assert isinstance(history.new_commits_sensor(ctx), dg.SkipReason)
    repo.tag("v1.0.0")  # a new tag is news too
    ctx = dg.build_sensor_context(cursor=ctx.cursor, resources=resources)
    assert isinstance(history.new_commits_sensor(ctx), dg.RunRequest)
    repo.commit("next\n")
    ctx2 = dg.build_sensor_context(cursor=ctx.cursor, resources=resources)
    second = history.new_commits_sensor(ctx2)
    assert isinstance(second, dg.RunRequest) and second.run_key != first.run_key
