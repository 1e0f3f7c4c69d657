"""The stage's CLI commands on the known world (real warehouse file, real semgrep and ruff)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from hindsight.cli import app
from models.warehouse import connect

from .conftest import build_world, write_config


def test_export_guidance_into_repo_and_evaluate(tmp_path, warehouse_path):
    con = connect(warehouse_path)
    world = build_world(tmp_path, con)
    con.close()
    config = write_config(world, warehouse_path)
    runner = CliRunner()
    target = tmp_path / "target-repo"
    target.mkdir()
    res = runner.invoke(app, ["--config", str(config), "export", "guidance", "--out", str(tmp_path / "g"),
                              "--into-repo", str(target)])
    assert res.exit_code == 0, res.output
    assert "guidance for pack 2026." in res.output and (target / "AGENTS.md").is_file()
    res = runner.invoke(app, ["--config", str(config), "export", "rules", "--out", str(tmp_path / "packs")])
    # same content as the pack the guidance export released: no new version, copied to --out
    assert res.exit_code == 0 and "unchanged" in res.output, res.output
    assert any((tmp_path / "packs").glob("*/manifest.json"))
    res = runner.invoke(app, ["--config", str(config), "evaluate", "--json"])
    assert res.exit_code == 0, res.output
    figures = json.loads(res.output)
    assert figures["recall"] == 1.0 and figures["fixed_fp_rate"] == 0.0
    bad = runner.invoke(app, ["--config", str(config), "export", "guidance", "--into-repo", str(tmp_path / "nope")])
    assert bad.exit_code == 2 and "not a directory" in bad.output
