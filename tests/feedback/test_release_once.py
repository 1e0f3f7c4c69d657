"""Releasing is the `rule_pack` asset's job only: guidance, efficacy and `hindsight evaluate` read the
released pack and publish nothing, even when production has moved on since the release; packs are values."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import dagster as dg
import pytest
from dagster_duckdb import DuckDBResource
from typer.testing import CliRunner

from hindsight.cli import app
from models.feedback import export_pack, release_rules, synthesize_rules
from models.warehouse import connect
from pipelines import feedback
from pipelines.resources import HindsightConfigResource

from .conftest import build_world, write_config


def _published(con, exports: Path) -> tuple[list, list, dict[str, str]]:
    """What a release writes: core.rule_packs, core.rules and the files under the exports folder."""
    packs = con.execute("SELECT version, path, manifest::VARCHAR, changelog FROM core.rule_packs ORDER BY version").fetchall()
    rules = con.execute("SELECT pack_version, rule_id, severity, message FROM core.rules ORDER BY ALL").fetchall()
    files = {str(p.relative_to(exports)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(exports.rglob("*")) if p.is_file()}
    return packs, rules, files


def test_guidance_efficacy_and_evaluate_publish_nothing(tmp_path, warehouse_path):
    con = connect(warehouse_path)
    world = build_world(tmp_path, con)
    con.close()
    config_path = write_config(world, warehouse_path)
    resources = {"duckdb": DuckDBResource(database=str(warehouse_path)),
                 "hindsight": HindsightConfigResource(config_path=str(config_path))}
    assert dg.materialize(feedback.assets, resources=resources, selection=["rule_pack"]).success
    exports = world.config.exports_dir
    con = connect(warehouse_path)
    try:
        before = _published(con, exports)
        # production moved on: every rule message cites new counts, so releasing now would publish a new version
        con.execute("UPDATE core.clusters SET event_count = event_count + 500")
    finally:
        con.close()
    (version,) = {v for v, *_ in before[0]}

    result = dg.materialize(feedback.assets, resources=resources, selection=["guidance", "rule_efficacy"])
    assert result.success
    mats = {e.asset_key.path[-1]: e.materialization.metadata for e in result.get_asset_materialization_events()}
    assert mats["guidance"]["version"].value == version and mats["rule_efficacy"]["version"].value == version
    res = CliRunner().invoke(app, ["--config", str(config_path), "evaluate", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["pack_version"] == version

    con = connect(warehouse_path)
    try:
        packs, rules, files = _published(con, exports)
        assert (packs, rules) == before[:2]
        guidance = {f for f in files if f.startswith(f"rulepacks/{version}/guidance/")}
        assert guidance and {f: h for f, h in files.items() if f not in guidance} == before[2]
        # the check above could fail: the rule_pack asset's use case does release a new version now
        _, again = release_rules(con, world.config)
        assert again.released and again.version != version
    finally:
        con.close()


def test_export_returns_the_released_pack_and_leaves_its_input_alone(tmp_path, world, warehouse):
    candidate = synthesize_rules(warehouse, world.config)
    with pytest.raises(dataclasses.FrozenInstanceError):
        candidate.version = "2026.01.01.1"
    result = export_pack(warehouse, world.config, candidate, tmp_path / "packs", sarif=False)
    assert candidate.version is None
    assert result.released and result.pack.version == result.version
    assert result.pack.rules == candidate.rules
