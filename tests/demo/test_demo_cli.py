"""`hindsight demo` on the command line: bad input is refused; end to end it builds and runs the pipeline."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hindsight.cli import app
from hindsight.commands.demo import warehouse_counts

PROJECT = Path(__file__).resolve().parents[2]


def test_bad_options_are_refused(tmp_path):
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "w"), "--scale", "0", "--no-run"])
    assert result.exit_code != 0 and not (tmp_path / "w" / "repo").exists()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "mine"), "--no-run"])
    assert result.exit_code == 2 and "not a demo world" in result.output
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_warehouse_counts_reads_core_tables(warehouse, warehouse_path):
    warehouse.execute("CREATE TABLE IF NOT EXISTS core.demo_probe (x INTEGER)")
    warehouse.execute("INSERT INTO core.demo_probe VALUES (1), (2)")
    warehouse.close()
    counts = warehouse_counts(warehouse_path)
    assert counts["demo_probe"] == 2
    assert warehouse_counts(warehouse_path.parent / "absent.duckdb") == {}


@pytest.mark.slow
def test_make_demo_end_to_end(tmp_path):
    """`make demo` itself: generate the world, materialize every asset, print counts and where to look."""
    out = tmp_path / "demo"
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HINDSIGHT_", "MAKE", "MFLAGS"))}
    env.update(DAGSTER_HOME=str(home), HINDSIGHT_WAREHOUSE=str(out / "warehouse.duckdb"))
    result = subprocess.run(["make", "-s", "demo", f"DEMO_DIR={out}"], check=False, cwd=PROJECT, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "hindsight --config" in result.stdout and "make dev" in result.stdout
    truth = json.loads((out / "ground_truth.json").read_text())
    counts = warehouse_counts(out / "warehouse.duckdb")
    assert counts.get("events", 0) >= truth["events"]["real"]
    assert counts.get("commits", 0) == len(truth["commits"])
    assert counts.get("clusters", 0) >= len(truth["bugs"])
    assert counts.get("rules", 0) > 0 and counts.get("guidance_files", 0) > 0
    assert (out / "warehouse.snapshot.duckdb").exists()  # published for the dashboard
