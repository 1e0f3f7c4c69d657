"""The attribution assets materialized by Dagster (incremental on re-run, checks) and `hindsight attribute`."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource
from typer.testing import CliRunner

from hindsight.cli import app
from models.history import ingest_repository
from models.warehouse import connect
from pipelines import attribution as stage
from pipelines.resources import HindsightConfigResource

from .helpers import GitRepoBuilder, add_cluster, add_event, frame, repo_config


def _world(tmp_path, warehouse_path):
    repo = GitRepoBuilder(tmp_path / "repo")
    repo.commit({"src/shop/cart.py": "def total(c):\n    return sum(i.price for i in c)\n"}, "cart")
    repo.tag("v1.0.0")
    toml = tmp_path / "hindsight.toml"
    toml.write_text(
        f'[warehouse]\npath = "{warehouse_path}"\n\n[[repositories]]\nname = "shop"\npath = "{repo.path}"\n'
        'release_pattern = "v{version}"\npath_mappings = [{stack_root = "/app/src/", source_root = "src/"}]\n'
    )
    con = connect(warehouse_path)
    ingest_repository(con, repo_config(repo.path, mappings=(("/app/src/", "src/"),)))
    for i in range(3):
        add_event(
            con,
            f"e{i}",
            [frame("/app/src/shop/cart.py", 2, "return sum(i.price for i in c)")],
            release="v1.0.0",
        )
    add_event(con, "tp", [frame("/usr/lib/python3.11/decimal.py", 10, "x", in_app=False)], release="v1.0.0")
    add_cluster(con, "C-1", ["e0", "e1", "e2"])
    con.close()
    return toml


def test_assets_materialize_incrementally_with_checks(tmp_path, warehouse_path):
    toml = _world(tmp_path, warehouse_path)
    resources = {
        "duckdb": DuckDBResource(database=str(warehouse_path)),
        "hindsight": HindsightConfigResource(config_path=str(toml)),
    }
    defs = [*stage.assets, *stage.asset_checks]
    first = dg.materialize(defs, resources=resources)
    assert first.success
    meta = first.asset_materializations_for_node("frame_attribution")[0].metadata
    assert meta["frames_new"].value == 4 and meta["files_blamed"].value == 1
    checks = {c.check_name: c for c in first.get_asset_check_evaluations()}
    assert checks["resolved_frames_have_blame"].passed
    assert checks["unresolved_reasons"].metadata["frames_third_party"].value == 1

    second = dg.materialize(defs, resources=resources)
    meta = second.asset_materializations_for_node("frame_attribution")[0].metadata
    assert (
        meta["frames_new"].value == 0
        and meta["files_blamed"].value == 0
        and meta["blame_cache_hits"].value == 1
    )
    rates = second.asset_materializations_for_node("ai_failure_rates")[0].metadata["rates"].value
    assert rates[0]["tool"] == "unknown/human" and rates[0]["failures"] == 1


def test_cli_attribute_prints_counts(tmp_path, warehouse_path):
    toml = _world(tmp_path, warehouse_path)
    runner = CliRunner()
    first = runner.invoke(app, ["--config", str(toml), "--warehouse", str(warehouse_path), "attribute"])
    assert first.exit_code == 0, first.output
    assert "frames resolved: 3; unresolved by reason: third_party 1" in first.output
    assert "files blamed: 1, cache hits: 0" in first.output
    second = runner.invoke(app, ["--config", str(toml), "--warehouse", str(warehouse_path), "attribute"])
    assert "events: 0 new" in second.output and "files blamed: 0, cache hits: 1" in second.output


def test_cli_names_what_would_fix_the_unresolved(tmp_path, warehouse_path):
    toml = _world(tmp_path, warehouse_path)
    con = connect(warehouse_path)
    add_event(con, "dev", [frame("/app/src/shop/cart.py", 2, "return total * 2")], release="2.0.0-dev")
    add_event(con, "nope", [frame("/app/src/shop/cart.py", 2, "x")], release=None)
    add_event(con, "moved", [frame("/srv/other/checkout.py", 3, "pay()")], release="v1.0.0")
    add_event(con, "evil", [frame("cart.py\x1b[2J", 3, "pay()")], release="v1.0.0\x07")
    con.close()
    out = CliRunner().invoke(app, ["--config", str(toml), "--warehouse", str(warehouse_path), "attribute"])
    assert out.exit_code == 0, out.output
    text = out.output
    assert "top unresolved reasons, and what would fix them:" in text
    assert "unknown_release: 2 frames in 2 events (e.g. 2.0.0-dev ×1, v1.0.0? ×1)" in text
    assert "release_table" in text and "--time-fallback" in text
    assert "no_release: 1 frames in 1 events" in text
    assert "file_not_in_repo: 1 frames in 1 events (e.g. /srv/other/checkout.py ×1)" in text
    assert "path_mappings" in text
    assert "\x1b" not in text and "\x07" not in text  # untrusted text cannot drive the terminal
