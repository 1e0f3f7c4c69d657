"""The feedback assets and checks materialized with Dagster on the known world."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from models.warehouse import connect
from pipelines import feedback
from pipelines.resources import HindsightConfigResource

from .conftest import build_world, write_config


def test_materialize_feedback_assets_and_checks(tmp_path, warehouse_path):
    con = connect(warehouse_path)
    world = build_world(tmp_path, con)
    con.close()  # one writer: Dagster's DuckDBResource opens the file itself
    config_path = write_config(world, warehouse_path)
    result = dg.materialize(
        [*feedback.assets, *feedback.asset_checks],
        resources={
            "duckdb": DuckDBResource(database=str(warehouse_path)),
            "hindsight": HindsightConfigResource(config_path=str(config_path)),
        },
        selection=dg.AssetSelection.assets("rule_pack", "guidance", "rule_efficacy")
        - dg.AssetSelection.checks(feedback.semgrep_examples_pass),
    )
    assert result.success
    mats = {e.asset_key.path[-1]: e.materialization.metadata for e in result.get_asset_materialization_events()}
    assert mats["rule_pack"]["released"].value is True
    assert mats["rule_efficacy"]["recall"].value == 1.0
    assert mats["guidance"]["written"].value == 4 + 4 * 6
    checks = {e.asset_check_key.name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"semgrep_rules_validate": True, "ruff_config_loads": True, "sarif_valid": True}
    con = connect(warehouse_path, read_only=True)
    try:
        version = mats["rule_pack"]["version"].value
        assert con.execute("SELECT count(*) FROM core.guidance_files WHERE pack_version = ?", [version]).fetchone()[0] == 28
        assert con.execute("SELECT count(*) FROM rule_efficacy WHERE evaluated_at IS NOT NULL").fetchone()[0] > 0
    finally:
        con.close()
    assert (world.config.exports_dir / "rulepacks" / version / "guidance" / "AGENTS.md").is_file()
