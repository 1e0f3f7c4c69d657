"""Efficacy on the known world with real semgrep and ruff runs: recall, fixed-line FPs, noise, demotion."""

from __future__ import annotations

from conftest import CLUSTERS, build_world

from models.feedback import evaluate_pack, release_rules, synthesize_rules


def test_evaluation_numbers_on_the_known_world(released):
    ev = evaluate_pack(released.con, released.world.config, released.pack)
    assert ev.crash_sites == len(CLUSTERS) and ev.crash_sites_flagged == len(CLUSTERS), ev.missed_sites
    assert ev.recall == 1.0
    assert ev.fixed_sites == len(CLUSTERS) and ev.fixed_sites_flagged == 0, ev.flagged_fixes
    assert ev.failing_findings > 0 and ev.unfailed_findings == 0  # shop/util.py (never failed) is clean
    # HEAD: the fixes are clean, the never-failed legacy/report.py has the timeout bug (catalog, mined, ruff S113)
    assert ev.head_findings == 3
    assert ev.rules["hindsight.mined.missing_http_timeout.c-000001"].repo_findings == 1
    assert not any(s.demoted for s in ev.rules.values())
    rows = dict(released.con.execute(
        "SELECT rule_id, recall FROM rule_efficacy WHERE pack_version = ? AND engine = 'semgrep'", [ev.pack_version]
    ).fetchall())
    assert rows["hindsight.mined.sql_string_formatting.c-000003"] == 1.0
    assert rows["hindsight.catalog.naive_datetime"] == 1.0
    summary = released.con.execute(
        "SELECT recall, fixed_fp_rate, unfailed_share FROM rule_pack_summary WHERE version = ?", [ev.pack_version]
    ).fetchone()
    assert summary == (1.0, 0.0, 0.0)
    ruff = released.con.execute(
        "SELECT crash_sites, crash_sites_flagged FROM rule_efficacy WHERE rule_id = 'ruff.subprocess_shell_true'"
    ).fetchone()
    assert ruff == (1, 1)  # S602 flags the shell=True crash line


def test_noisy_rule_is_demoted_and_the_next_pack_says_why(tmp_path, warehouse):
    world = build_world(tmp_path, warehouse, noisy=True)  # 8 never-failed datetime.now() calls
    pack, first = release_rules(warehouse, world.config, tmp_path / "packs", sarif=False)
    ev = evaluate_pack(warehouse, world.config, pack)
    score = ev.rules["hindsight.catalog.naive_datetime"]
    assert score.demoted and score.unfailed_findings == 8 and "never failed" in score.demotion_reason
    assert ev.unfailed_findings >= 8 and ev.unfailed_share > 0.3
    demoted = warehouse.execute(
        "SELECT effective_severity, demotion_reason FROM rule_efficacy WHERE rule_id = 'hindsight.catalog.naive_datetime'"
    ).fetchone()
    assert demoted[0] == "INFO" and "never failed" in demoted[1]
    nxt = synthesize_rules(warehouse, world.config)
    rule = nxt.rule("hindsight.catalog.naive_datetime")
    assert rule.severity == "INFO" and rule.severity_reason.startswith("demoted after evaluation")
    _, second = release_rules(warehouse, world.config, tmp_path / "packs", sarif=False)
    assert second.version != first.version
    assert "`hindsight.catalog.naive_datetime`: WARNING -> INFO (demoted after evaluation" in second.changelog
