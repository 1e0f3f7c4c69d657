"""Efficacy on the known world with real semgrep and ruff runs: recall, fixed-line FPs, noise, demotion."""

from __future__ import annotations

from models.feedback import evaluate_pack, release_rules, synthesize_rules
from models.feedback.evaluation import evaluate_pack as evaluate

from .conftest import CLUSTERS, build_world


def test_evaluation_numbers_on_the_known_world(released):
    ev = evaluate_pack(released.con, released.world.config, released.pack)
    assert ev.crash_sites == len(CLUSTERS) and ev.crash_sites_flagged == len(CLUSTERS), ev.missed_sites
    assert ev.recall == 1.0
    # held out by cluster: the urllib3 site (C-000007) is caught only by the rule mined from it
    assert (ev.heldout_flagged, ev.heldout_sites) == (len(CLUSTERS) - 1, len(CLUSTERS))
    assert (ev.own_flagged, ev.own_sites) == (1, 1)
    assert ev.fixed_sites == len(CLUSTERS) and ev.fixed_sites_flagged == 0, ev.flagged_fixes
    assert ev.failing_findings > 0 and ev.unfailed_findings == 0  # shop/util.py (never failed) is clean
    # HEAD: the fixes are clean, the never-failed legacy/report.py has the timeout bug, reported once
    assert ev.head_findings == 1 and ev.head_unfailed == 1 and ev.head_duplicates == 0
    assert ev.rules["hindsight.catalog.missing_http_timeout"].repo_findings == 1
    assert ev.noise_per_kloc == 1 / ev.head_kloc
    assert not any(s.demoted for s in ev.rules.values())
    rows = {r[0]: r[1:] for r in released.con.execute(
        "SELECT rule_id, heldout_recall, own_site_recall, noise_per_kloc, head_findings, severity, severity_reason"
        " FROM rule_efficacy WHERE pack_version = ?", [ev.pack_version]).fetchall()}
    assert rows["hindsight.catalog.naive_datetime"][:2] == (1.0, None)
    assert rows["hindsight.catalog.missing_http_timeout"][0] == 0.5  # C-000001 yes, C-000007 no
    assert rows["hindsight.catalog.missing_http_timeout"][3] == 1
    assert rows["hindsight.mined.missing_http_timeout.c-000007"][:2] == (0.0, 1.0)
    summary = released.con.execute(
        "SELECT recall, heldout_recall, fixed_fp_rate, unfailed_share, head_duplicates FROM rule_pack_summary"
        " WHERE version = ?", [ev.pack_version]
    ).fetchone()
    assert summary == (1.0, 6 / 7, 0.0, 0.0, 0)
    ruff = released.con.execute(
        "SELECT heldout_sites, heldout_sites_flagged FROM rule_efficacy WHERE rule_id = 'ruff.subprocess_shell_true'"
    ).fetchone()
    assert ruff == (1, 0)  # S604 (shell=True outside subprocess) does not fire on the subprocess crash line


def test_heldout_by_cluster_counts_a_mined_rule_on_another_cluster(world, warehouse):
    """A mined rule earns held-out evidence on a different cluster of its class, not on its own sites."""
    pack = synthesize_rules(warehouse, world.config)
    pack = pack.with_rules(r for r in pack.rules if r.rule_id == "hindsight.mined.missing_http_timeout.c-000001")
    ev = evaluate(warehouse, world.config, pack, record=False)
    score = ev.rules["hindsight.mined.missing_http_timeout.c-000001"]
    assert (score.own_flagged, score.own_sites) == (1, 1)  # requests.get: its own site
    assert (score.heldout_flagged, score.heldout_sites) == (0, 1)  # pool.request of C-000007: not its construct


def test_noisy_rule_is_released_as_info_and_says_why(tmp_path, warehouse):
    world = build_world(tmp_path, warehouse, noisy=True)  # 8 never-failed naive comparisons
    pack, first = release_rules(warehouse, world.config, tmp_path / "packs", sarif=False)
    rule = pack.rule("hindsight.catalog.naive_datetime")
    # first demotion reason that applies: most of its findings at the failing revisions are on never-failed code
    assert rule.severity == "INFO" and rule.severity_reason == "8 of 9 findings on code that never failed"
    assert "0.00 findings per 1,000 lines" not in rule.message and "findings per 1,000 lines of never-failed" in rule.message
    row = warehouse.execute(
        "SELECT severity, severity_reason, noise_per_kloc, head_findings FROM rule_efficacy"
        " WHERE rule_id = 'hindsight.catalog.naive_datetime' AND pack_version = ?", [first.version]).fetchone()
    assert row[0] == "INFO" and row[1] == rule.severity_reason and row[2] > 5 and row[3] == 8
    # the pack's README says why, in the severity table
    readme = (first.path / "README.md").read_text()
    assert "| `hindsight.catalog.naive_datetime` | semgrep | INFO | 8 of 9 findings on code that never failed |" in readme
