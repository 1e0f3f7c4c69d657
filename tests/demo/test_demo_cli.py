"""`hindsight demo` on the command line: bad input is refused; end to end it builds and runs the pipeline."""

from __future__ import annotations

import json
import os
import shlex
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
    """`make demo` itself: generate the world, materialize every asset, print counts and where to look.
    DEMO_DIR is given relative to the project, as the Makefile's default `data/demo` is."""
    out = tmp_path / "demo"
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HINDSIGHT_", "MAKE", "MFLAGS"))}
    env.update(DAGSTER_HOME=str(home))  # the warehouse is the one the demo's hindsight.toml names
    result = subprocess.run(["make", "-s", "demo", f"DEMO_DIR={os.path.relpath(out, PROJECT)}"], check=False, cwd=PROJECT, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "hindsight --config" in result.stdout and "make dev" in result.stdout
    # the printed SQL hint works as given, from the same shell in the project (no make variables)
    (hint,) = [line.split("SQL:", 1)[1] for line in result.stdout.splitlines() if line.strip().startswith("SQL:")]
    argv = shlex.split(hint) + ["--format", "json"]
    shown = subprocess.run(argv, check=False, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert len(json.loads(shown.stdout)) == 10
    truth = json.loads((out / "ground_truth.json").read_text())
    counts = warehouse_counts(out / "warehouse.duckdb")
    assert counts.get("events", 0) >= truth["events"]["real"]
    assert counts.get("commits", 0) == len(truth["commits"])
    assert counts.get("clusters", 0) >= len(truth["bugs"])
    assert counts.get("rules", 0) > 0 and counts.get("guidance_files", 0) > 0
    assert (out / "warehouse.snapshot.duckdb").exists()  # published for the dashboard
