"""`hindsight commits` through the real Typer app."""

from __future__ import annotations

import json

import duckdb
from typer.testing import CliRunner

from hindsight.cli import app

from .conftest import GitRepo
from .test_pipeline import write_config


def test_commits_command_ingests_and_reports(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit("init\n")
    repo.commit("fix\n", committer="Paul Gauthier (aider) <paul@example.com>")
    repo.tag("v1.0.0")
    toml = write_config(tmp_path, repo)
    wh = tmp_path / "cli.duckdb"
    runner = CliRunner()

    result = runner.invoke(app, ["--config", str(toml), "--warehouse", str(wh), "commits"])
    assert result.exit_code == 0, result.output
    assert (
        "shop: full — 2 new commits (2 total), 0 AI-authored, 1 AI-committed only, 1 releases"
        in result.output
    )
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("SELECT origin FROM ai_commits").fetchall() == [("ai_committed_only",)]
    con.close()

    again = runner.invoke(app, ["--config", str(toml), "--warehouse", str(wh), "commits", "--repo", "shop"])
    assert again.exit_code == 0 and "shop: unchanged — 0 new commits (2 total)" in again.output


def test_commits_command_errors_are_clear(tmp_path):
    runner = CliRunner()
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    wh = str(tmp_path / "w.duckdb")
    result = runner.invoke(app, ["--config", str(empty), "--warehouse", wh, "commits"])
    assert result.exit_code == 4 and "no repositories configured" in result.output

    repo = GitRepo(tmp_path / "repo")
    repo.commit("init\n")
    toml = write_config(tmp_path, repo)
    result = runner.invoke(app, ["--config", str(toml), "--warehouse", wh, "commits", "--repo", "nope"])
    assert result.exit_code == 2 and "no repository named 'nope'" in result.output

    toml.write_text(toml.read_text().replace('default_branch = "main"', 'default_branch = "trunk"'))
    result = runner.invoke(app, ["--config", str(toml), "--warehouse", wh, "commits"])
    assert result.exit_code == 4 and "default branch 'trunk' not found" in result.output


def test_classify_commit_command_shows_every_match(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "Add [bot] support\n\nCo-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>\n",
        committer="Paul Gauthier (aider) <paul@example.com>",
    )
    toml = write_config(tmp_path, repo)
    runner = CliRunner()
    result = runner.invoke(app, ["--config", str(toml), "classify-commit", "HEAD"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["origin"], out["tool"], out["evidence_kind"]) == ("ai_authored", "copilot_agent", "trailer")
    assert [m["marker_id"] for m in out["matches"]] == ["copilot_agent.co_author", "aider.committer"]
    bad = runner.invoke(app, ["--config", str(toml), "classify-commit", "no-such-rev"])
    assert bad.exit_code == 3 and "no commit 'no-such-rev'" in bad.output
