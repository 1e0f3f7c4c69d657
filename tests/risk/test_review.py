"""`hindsight review` on a real repository whose risky change is known; every output format; CI mode."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from hindsight.cli import app
from models.config import RepositoryConfig
from models.feedback.sarif import validate_sarif
from models.history import ingest_repository
from models.risk import latest_model, report, review_change
from models.risk.features import compute_features
from models.risk.hunks import read_new_hunks
from models.risk.review import CHANGE_SET, model_summary
from models.warehouse import connect


def _review(trained, head):
    warehouse, _, world, _ = trained
    con = connect(warehouse, read_only=True)
    try:
        stored = latest_model(con, "app")
        return review_change(con, "app", world.repo.path, "main", head, stored.model,
                             model_info=model_summary(stored.model, stored))
    finally:
        con.close()


def test_the_known_risky_change_scores_high_and_the_harmless_low(trained, branches):
    risky, harmless = branches
    r, h = _review(trained, "risky"), _review(trained, "harmless")
    assert r.change_set.level == "high" and h.change_set.level == "low"
    assert r.change_set.probability > 3 * h.change_set.probability
    assert [c.key for c in r.commits] == [risky] and [c.key for c in h.commits] == [harmless]
    assert r.commits[0].features["la"] == 50 and r.commits[0].features["ai_lines_claude_code"] == 50
    assert r.commits[0].ai_tools == ["claude_code"]
    assert r.change_set.reasons[0]["feature"] == "la" and "adds 50 lines" in r.change_set.reasons[0]["text"]
    assert r.seconds["total"] > 0 and r.anchors[CHANGE_SET][0] == "app/core.py"


def test_reviewed_commit_gets_the_features_it_will_have_once_ingested(trained, branches, tmp_path):
    """Two paths through the same SQL: the commit read from git now, and the same commit after ingestion."""
    warehouse, _, world, _ = trained
    risky, _ = branches
    review = _review(trained, "risky")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(world.repo.path), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "merge", "-q", "--ff-only", "origin/risky"], check=True)
    shutil.copy(warehouse, tmp_path / "wh.duckdb")
    con = connect(tmp_path / "wh.duckdb")
    try:
        ingest_repository(con, RepositoryConfig(name="app", path=clone))
        read_new_hunks(con, "app", clone)
        stored = compute_features(con, "app", targets=[risky]).row(0, named=True)
    finally:
        con.close()
    for name, value in review.commits[0].features.items():
        assert stored[name] == pytest.approx(value), name


def test_outputs_text_json_sarif_markdown(trained, branches):
    r = _review(trained, "risky")
    assert "change set: HIGH risk" in report.text(r)
    data = json.loads(report.as_json(r))
    assert data["change_set"]["level"] == "high" and data["commits"][0]["key"] == branches[0]
    doc = report.sarif(r)
    validate_sarif(doc)
    (run,) = doc["runs"]
    first = run["results"][0]
    assert first["ruleId"] == "hindsight.change-risk" and first["level"] == "error"
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/core.py"
    md = report.markdown(r, "https://git.example/app/commit/{sha}")
    assert "**HIGH**" in md and f"(https://git.example/app/commit/{branches[0]})" in md
    # the hostile commit subject stays inert text: no HTML, no link, no mention, no code span
    for bad in ("](https://evil", "@everyone"):
        assert bad not in md
    assert not re.search(r"(?<!\\)`rm", md)
    assert not re.search(r"(?<!\\)<img", md) and "\\<img" in md and "@\u200beveryone" in md


@pytest.fixture(scope="module")
def cli_env(trained, tmp_path_factory):
    warehouse, _, world, _ = trained
    cfg = tmp_path_factory.mktemp("cfg") / "hindsight.toml"
    cfg.write_text(f'[warehouse]\npath = "{warehouse}"\n\n[[repositories]]\nname = "app"\npath = "{world.repo.path}"\n'
                   'commit_url = "https://git.example/app/commit/{sha}"\n')
    return ["--config", str(cfg), "--warehouse", str(warehouse)]


def test_cli_review_formats_and_exit_codes(cli_env, branches, tmp_path):
    run = CliRunner().invoke
    res = run(app, [*cli_env, "review", "--repo", "app", "--base", "main", "--head", "risky", "--format", "json",
                    "--no-pack", "--sarif-output", str(tmp_path / "r.sarif")])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["change_set"]["level"] == "high"
    validate_sarif(json.loads((tmp_path / "r.sarif").read_text()))
    res = run(app, [*cli_env, "review", "--repo", "app", "--base", "main", "--head", "risky", "--format", "markdown",
                    "--output", str(tmp_path / "c.md"), "--fail-on", "high"])
    assert res.exit_code == 1 and "### Hindsight change risk" in (tmp_path / "c.md").read_text()
    res = run(app, [*cli_env, "review", "--repo", "app", "--base", "main", "--head", "harmless", "--fail-on", "medium"])
    assert res.exit_code == 0 and "LOW risk" in res.output


@pytest.mark.parametrize(("args", "message"), [
    (["--repo", "app", "--base", "no-such-branch"], "names no commit"),
    (["--repo", "other", "--base", "main"], "no risk model for repository 'other'"),
    (["--repo", "app", "--base", "main", "--head", "main"], "nothing to review"),
    (["--repo", "app", "--base", "main", "--model", "/nonexistent/model.json"], "cannot read model file"),
])
def test_cli_errors_are_one_clear_line(cli_env, branches, args, message):
    res = CliRunner().invoke(app, [*cli_env, "review", *args])
    assert res.exit_code == 2, res.output
    assert message in " ".join(res.output.split()) and "Traceback" not in res.output


def test_ci_mode_reviews_from_a_model_file_without_the_warehouse(cli_env, trained, branches, tmp_path):
    _, _, world, _ = trained
    model = tmp_path / "risk" / "app.json"
    res = CliRunner().invoke(app, [*cli_env, "risk", "export-model", "--repo", "app", "--out", str(model)])
    assert res.exit_code == 0, res.output
    clone = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", "--branch", "risky", str(world.repo.path), str(clone)], check=True)
    res = CliRunner().invoke(app, ["--warehouse", str(tmp_path / "absent.duckdb"), "review", "--repo", "app",
                                   "--model", str(model), "--path", str(clone), "--base", "origin/main",
                                   "--head", "HEAD", "--format", "json"])
    assert res.exit_code == 0, res.output
    got = json.loads(res.output)
    assert got["change_set"]["level"] == "high" and got["model"]["source"] == str(model)
    assert not (tmp_path / "absent.duckdb").exists()


def test_text_output_strips_terminal_escapes(trained, branches):
    from models.risk.review import ScoredChange

    r = _review(trained, "risky")
    r.commits[0] = ScoredChange(**{**r.commits[0].__dict__, "subject": "evil \x1b]0;owned\x07 \x1b[31mred"})
    out = report.text(r)
    assert "\x1b" not in out and "\x07" not in out and "evil" in out


def test_cli_risk_train(cli_env, trained):
    res = CliRunner().invoke(app, [*cli_env, "risk", "train", "--repo", "app"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("app: unchanged, model v1")
    res = CliRunner().invoke(app, [*cli_env, "risk", "train", "--repo", "nope"])
    assert res.exit_code == 2 and "no repository named 'nope'" in res.output
