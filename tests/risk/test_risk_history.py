"""The longer demo world (`hindsight demo --risk-history N`): failure classes recur, and the real pipeline sees it.

One small world (25 added commits, one added release) is generated with real traffic, ingested by the real
Dagster assets (sources, attribution, rule pack, change risk; ~2.5 min at load average 9 on 2 cores), and its later planted constructs are checked
against what change risk reads: `production` labels from attribution, rule-pack findings from the real
semgrep run, production features on files that failed before. Each assertion fails if the recurrence broke
(constructs not planted, not crashing in traffic, not blamed, not flagged by the pack mined from the
earlier failures). Logs are removed before the run: they are not needed here and cost most of the ingest.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import dagster as dg
import polars as pl
import pytest

from demo import history, risk_history
from demo.generate import generate
from models.config import load_config
from models.risk import update_repository
from models.risk.features import compute_features
from models.risk.findings import current_pack
from models.risk.labels import labels
from models.warehouse import connect

ADDED = 25


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """(world dir, ground truth, features frame, labels) after the real pipeline ran on the longer world."""
    from pipelines.definitions import build_definitions
    from pipelines.runner import dagster_instance

    out = tmp_path_factory.mktemp("risk-history") / "world"
    generate(out, seed=7, risk_history_commits=ADDED)
    shutil.rmtree(out / "landing" / "logs")
    config_path = out / "hindsight.toml"
    defs = build_definitions(config_path, None)
    # every asset but the dashboard snapshot; the rule pack's own checks (semgrep examples, ~35 s) are
    # tested by the feedback stage
    selection = (dg.AssetSelection.all() - dg.AssetSelection.groups("publish")
                 - dg.AssetSelection.checks_for_assets(dg.AssetKey("rule_pack")))
    job = dg.define_asset_job("risk_history_test", selection=selection).resolve(asset_graph=defs.resolve_asset_graph())
    result = job.execute_in_process(instance=dagster_instance(), raise_on_error=True)
    assert result.success
    config = load_config(config_path)
    con = connect(config.warehouse)
    try:
        update_repository(con, config.repositories[0], config)  # scans the commits with the pack of this run
        pack = current_pack(con)
        assert pack is not None, "the pipeline released no rule pack"
        frame = compute_features(con, "shop", pack_version=pack.version)
        found = labels(con, "shop")
    finally:
        con.close()
    truth = json.loads((out / "ground_truth.json").read_text())
    return out, truth, frame, found


@pytest.mark.slow
def test_later_constructs_fail_in_production_and_are_labelled_by_the_pipeline(world):
    _, truth, _, found = world
    later = truth["risk_history"]["bugs"]
    failed = [b for b in later if b["real_event_count"]]
    assert any(b["recurs"] for b in failed), "no later construct of an earlier failure class failed in traffic"
    production = set(found.filter(pl.col("source") == "production")["sha"])
    for b in failed:
        assert b["planted_commit"] in production, f"{b['bug_id']} failed {b['real_event_count']}x but is not labelled"
        for site in b["crash_sites"]:  # the crash line of every release is the planted line, blamed on its commit
            assert site["line_text"].strip() == b["line_text"] and site["blame_commit"] == b["planted_commit"]
    latent = [b["planted_commit"] for b in later if not b["wired"]]
    assert not production & set(latent), "a construct no traffic reaches was labelled by production"


@pytest.mark.slow
def test_the_pack_from_earlier_failures_flags_the_recurring_constructs(world):
    _, truth, frame, _ = world
    rows = {r["sha"]: r for r in frame.iter_rows(named=True)}
    later = truth["risk_history"]["bugs"]
    recurring = [b for b in later if b["recurs"]]
    assert recurring
    for b in recurring:
        row = rows[b["planted_commit"]]
        assert row["pack_findings"] > 0, f"{b['bug_id']} ({b['kind']}) not flagged by the pack"
        assert any(r.endswith(b["kind"]) for r in row["pack_rules"]), row["pack_rules"]
    for b in later:
        if not b["recurs"]:  # a kind no rule covers: the pack cannot know it
            assert rows[b["planted_commit"]]["pack_findings"] == 0
    planted = {b["planted_commit"] for b in later}
    safe_features = [c["sha"] for c in truth["commits"][61:] if c["subject"].startswith("feat(")
                     and c["sha"] not in planted]
    assert safe_features and all(rows[s]["pack_findings"] == 0 for s in safe_features), "safe variants flagged"
    for b in later:
        if b["at_failed_file"]:  # the file where its class failed before: production features see it
            assert rows[b["planted_commit"]]["prod_files"] > 0, b["bug_id"]


def test_the_base_history_is_unchanged_by_the_added_commits(tmp_path):
    """Same seed: the first 61 commits of the longer history have the default world's shas."""
    base = history.build(tmp_path / "base", 7)
    groups, _ = risk_history.plan(10, 7)
    wins, _ = risk_history.windows([v for v, _ in groups], base["commits"][-1].when)
    longer = history.build(tmp_path / "longer", 7, groups, wins)
    assert [c.sha for c in longer["commits"][:61]] == [c.sha for c in base["commits"]]
    assert len(longer["commits"]) == 61 + 10
    log = subprocess.run(["git", "log", "--format=%s", "-3"], cwd=tmp_path / "longer", check=True,
                         capture_output=True, text=True).stdout.splitlines()
    assert log[0] == "chore(release): 1.6.0"


def test_the_ai_ratio_changes_how_often_ai_written_features_are_bad():
    """`--risk-ai-ratio` (a sensitivity run only): AI-written features come out bad about ratio x the
    human rate; the human rate stays; the default is the stated ratio; an impossible rate is refused."""

    def bad_shares(ratio: float) -> tuple[float, float]:
        groups, planted = risk_history.plan(2000, 7, ratio)
        bad = {p["function"] for p in planted}
        by_ai: dict[bool, list[bool]] = {True: [], False: []}
        for _, commits in groups:
            for c in commits:
                if "adds" in c.extra:
                    by_ai[c.tool is not None].append(c.extra["adds"] in bad)
        return tuple(sum(v) / len(v) for v in (by_ai[True], by_ai[False]))

    assert risk_history.plan(60, 7) == risk_history.plan(60, 7, risk_history.AI_BUG_RATIO)
    (ai_stated, human_stated), (ai_strong, human_strong) = bad_shares(1.5), bad_shares(3.0)
    p = risk_history.P_BUG_HUMAN
    assert abs(human_stated - p) < 0.05 and abs(human_strong - p) < 0.05
    assert abs(ai_stated - 1.5 * p) < 0.06 and abs(ai_strong - 3.0 * p) < 0.07
    with pytest.raises(ValueError, match="--risk-ai-ratio"):
        risk_history.plan(10, 7, 6.0)


def test_an_impossible_ai_ratio_is_a_usage_error_that_names_the_range(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "hindsight.cli", "demo", "--out", str(tmp_path / "w"), "--risk-history", "5",
         "--risk-ai-ratio", "9", "--no-run"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 2
    assert "--risk-ai-ratio must be in (0, 5]" in proc.stderr and "Traceback" not in proc.stderr
    assert "value in that range" in proc.stderr
