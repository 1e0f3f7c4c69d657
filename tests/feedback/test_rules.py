"""Rule synthesis on a small known world: catalog + mined semgrep rules, ruff config, SARIF, versioned packs."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from models.feedback import release_rules, synthesize_rules
from models.feedback.checks import (
    check_ruff_config,
    check_sarif,
    check_semgrep_examples,
    check_semgrep_valid,
    run_annotated_examples,
)
from models.feedback.render import write_linter_configs
from models.feedback.sarif import validate_sarif
from models.feedback.tools import _tool, git_archive, run, semgrep_scan

from .conftest import CAUGHT_BY_CATALOG, CLUSTERS


def test_pack_has_catalog_and_mined_rule_for_each_observed_class(world, warehouse):
    pack = synthesize_rules(warehouse, world.config)
    ids = {r.rule_id for r in pack.rules}
    for cid, cls, *_ in CLUSTERS:
        assert f"hindsight.catalog.{cls}" in ids
        assert f"hindsight.mined.{cls}.{cid.lower()}" in ids
    assert "hindsight.catalog.retry_without_backoff" not in ids  # never seen in production
    sql = pack.rule("hindsight.mined.sql_string_formatting.c-000003")
    assert sql.severity == "ERROR" and "incident" in sql.severity_reason  # linked to an incident
    assert pack.rule("hindsight.mined.subprocess_shell_true.c-000005").severity == "WARNING"
    http = pack.rule("hindsight.mined.missing_http_timeout.c-000001")
    assert http.body["pattern-either"][0]["patterns"][0] == {"pattern": "requests.get(...)"}
    assert "shop:shop/pricing.py:5" in http.evidence["examples"]
    assert http.evidence["ai_share"] == 1.0 and http.evidence["events"] == 40
    assert "CWE-400" in http.body["metadata"]["cwe"][0]
    assert "40 event(s)" in http.message and "timeout" in http.message
    json_rule = pack.rule("hindsight.mined.unchecked_external_json.c-000002")
    assert '$D["price"]' in yaml.safe_dump(json_rule.body)


def test_mined_rules_match_their_crash_sites_and_not_the_fixes(world, warehouse, tmp_path):
    pack = synthesize_rules(warehouse, world.config)
    pack = pack.with_rules(r for r in pack.rules if r.origin == "mined")
    sg, _ = write_linter_configs(pack, tmp_path / "cfg")
    scan = tmp_path / "scan"
    git_archive(world.repo, world.failing, scan / "failing")
    git_archive(world.repo, world.fixed, scan / "fixed")
    hits = {(f.rule_id.split("hindsight.", 1)[1], f.path, f.start_line) for f in semgrep_scan(sg, scan)}
    for cid, cls, path, line, *_ in CLUSTERS:
        # naive datetimes: the defect (`datetime.now()`) is the line before the crashing comparison
        expected = line - 1 if cls == "naive_datetime" else line
        assert (f"mined.{cls}.{cid.lower()}", f"failing/{path}", expected) in hits, (cid, hits)
    crash_files = {f"fixed/{path}" for _, _, path, *_ in CLUSTERS}
    assert not [h for h in hits if h[1] in crash_files], hits  # no mined rule fires on the fixed code
    # the mined timeout rule generalises to the same construct in code that never failed (legacy/, at HEAD)
    assert ("mined.missing_http_timeout.c-000001", "fixed/legacy/report.py", 5) in hits


def _ruff(cwd: Path) -> str:
    proc = run([_tool("ruff"), "check", "--no-cache", "--output-format", "concise", "a.py"], cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


def test_ruff_banned_api_gives_the_evidence_message_both_ways(released, tmp_path):
    result = released.result
    code = "import datetime\nimport os\n\nstamp = datetime.datetime.utcnow()\nos.system('ls')\nday = datetime.datetime(2026, 1, 2)\n"
    extend, pyproject, pitfall = tmp_path / "extend", tmp_path / "pyproject", tmp_path / "pitfall"
    for d in (extend, pyproject, pitfall):
        d.mkdir()
        (d / "a.py").write_text(code)
    (extend / "ruff.toml").write_text(f'extend = "{result.path / "hindsight-ruff.toml"}"\n')
    (pyproject / "pyproject.toml").write_text((result.path / "pyproject-snippet.toml").read_text())
    for d in (extend, pyproject):
        out = _ruff(d)
        assert "TID251 `datetime.datetime.utcnow` is banned: Hindsight:" in out
        assert "C-000006" in out and "9 event(s)" in out
        assert "TID251 `os.system` is banned" in out and "DTZ001" in out
    # utcnow is the pack's banned-API entry, so the pack does not select DTZ003 too (ruff's own defaults may)
    assert "DTZ003" not in (result.path / "hindsight-ruff.toml").read_text().split("[lint]")[1]
    # The documented pitfall: a `select` in the extending config silently drops the pack's extend-select.
    (pitfall / "ruff.toml").write_text(f'extend = "{result.path / "hindsight-ruff.toml"}"\n[lint]\nselect = ["E"]\n')
    assert "TID251" not in _ruff(pitfall)
    assert "select" in (result.path / "hindsight-ruff.toml").read_text().split("[lint]")[0]


def test_sarif_export_is_valid_and_reports_head_findings(released):
    doc = json.loads((released.result.path / "hindsight.sarif").read_text())
    validate_sarif(doc)
    results = doc["runs"][0]["results"]
    assert any(r["ruleId"] == "hindsight.catalog.missing_http_timeout"
               and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "legacy/report.py"
               for r in results)
    broken = {**doc, "version": "2.0.0"}
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(broken)
    del doc["runs"][0]["tool"]
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(doc)


def test_released_pack_passes_its_own_checks(released, tmp_path):
    result = released.result
    for check in (check_semgrep_valid, check_ruff_config, check_sarif):
        ok, detail = check(result.path)
        assert ok, (check.__name__, detail)
    # The pack's annotated examples (catalog + mined), judged like `semgrep scan --test`, in one semgrep run.
    tests = result.path / "semgrep-tests"
    pairs = [(y, y.with_name(y.stem + ".py.example")) for y in sorted(tests.glob("*.yaml"))]
    assert all(ex.is_file() for _, ex in pairs) and not list(tests.glob("*.py"))  # nothing a repo scan reads as code
    assert [p[0].name for p in pairs if "mined" in p[0].name] == ["hindsight_mined_missing_http_timeout_c-000007.yaml"]
    assert run_annotated_examples(pairs, tmp_path) == []
    for name in ("README.md", ".pre-commit-config.yaml", "github-actions-hindsight.yml", "manifest.json", "CHANGELOG.md",
                 ".semgrepignore"):
        assert (result.path / name).is_file()
    ci = yaml.safe_load((result.path / "github-actions-hindsight.yml").read_text())
    steps = " ".join(s.get("run", "") for s in ci["jobs"]["lint"]["steps"])
    assert "semgrep scan" in steps and "--no-rewrite-rule-ids" in steps and "--sarif" in steps
    hooks = yaml.safe_load((result.path / ".pre-commit-config.yaml").read_text())
    assert [r["repo"] for r in hooks["repos"]] == ["local"]
    assert all(h["language"] == "system" for r in hooks["repos"] for h in r["hooks"])


def test_release_ships_mined_rules_only_where_the_catalog_misses(released):
    """One finding per site and class: clusters the catalog rule catches get no mined rule (the manifest says
    why); the urllib3 construct the catalog does not know keeps its mined rule."""
    ids = {r.rule_id for r in released.pack.rules}
    assert "hindsight.mined.missing_http_timeout.c-000007" in ids
    for cid, cls, *_ in CAUGHT_BY_CATALOG:
        assert f"hindsight.catalog.{cls}" in ids and f"hindsight.mined.{cls}.{cid.lower()}" not in ids
    manifest = json.loads((released.result.path / "manifest.json").read_text())
    not_shipped = {d["id"]: d["why"] for d in manifest["not_shipped"]}
    assert not_shipped["hindsight.mined.sql_string_formatting.c-000003"].startswith("every crash site of its cluster")
    assert manifest["evaluation"]["head_duplicates"] == 0 and manifest["holdout"] == "by cluster"


def test_severity_follows_measured_efficacy_and_messages_state_it(released):
    pack = released.pack
    sql = pack.rule("hindsight.catalog.sql_string_formatting")  # 150 events + an incident, caught 1 of 1 held out
    assert sql.severity == "ERROR" and "caught 1 of 1 crash sites it was not built from" in sql.severity_reason
    assert "Measured: caught 1 of 1 crash sites it was not built from (held out by cluster)" in sql.message
    # the mined urllib3 rule catches its own site but not the other timeout cluster's: no held-out evidence
    mined = pack.rule("hindsight.mined.missing_http_timeout.c-000007")
    assert mined.severity == "INFO" and "caught none of the 1 crash sites" in mined.severity_reason
    assert "caught 0 of 1 crash sites it was not built from (held out by cluster); 1 of 1 of its own" in mined.message
    # banned APIs never seen failing: INFO, and the message says so (no more ERROR with "In production: N events")
    banned = pack.rule("ruff.TID251.datetime.datetime.utcnow")
    assert banned.severity == "INFO" and banned.message.index("Measured: caught 0") < banned.message.index("In production")
    text = (released.result.path / "hindsight-semgrep.yaml").read_text()
    assert "null" not in text and ": ~" not in text
    for rule in yaml.safe_load(text)["rules"]:
        assert rule["metadata"]["hindsight-efficacy"]["holdout"] == "by cluster"
        assert rule["severity"] == pack.rule(rule["id"]).severity
    rows = dict(released.con.execute(
        "SELECT rule_id, severity_reason FROM rule_efficacy WHERE pack_version = ?", [released.result.version]).fetchall())
    assert rows["hindsight.mined.missing_http_timeout.c-000007"] == mined.severity_reason


def test_invalid_rule_fails_offline_validation(tmp_path):
    """The validation check really rejects a broken pattern (rc != 0)."""
    (tmp_path / "hindsight-semgrep.yaml").write_text(
        "rules:\n- id: broken\n  languages: [python]\n  severity: WARNING\n  message: m\n  pattern: requests.get(\n"
    )
    ok, detail = check_semgrep_valid(tmp_path)
    assert not ok and detail.startswith("broken: ") and len(detail) > len("broken: ")


def test_pack_versions_and_changelog(world, warehouse, tmp_path):
    out = tmp_path / "packs"
    _, first = release_rules(warehouse, world.config, out, sarif=False)
    assert first.released and first.version.endswith(".1") and "First pack" in first.changelog
    _, again = release_rules(warehouse, world.config, out, sarif=False)
    assert not again.released and again.version == first.version  # unchanged content: no new release

    # Production moved: the subprocess cluster exploded (severity up), the SQL cluster was merged away.
    warehouse.execute("UPDATE core.clusters SET event_count = 500 WHERE cluster_id = 'C-000005'")
    warehouse.execute("UPDATE core.clusters SET status = 'merged' WHERE cluster_id = 'C-000003'")
    _, second = release_rules(warehouse, world.config, out, sarif=False)
    assert second.released and second.version.endswith(".2")
    log = (second.path / "CHANGELOG.md").read_text()
    assert f"Compared with {first.version}" in log
    removed = log.split("## Removed")[1].split("##")[0]
    assert "`hindsight.catalog.sql_string_formatting`" in removed
    assert "no active cluster of class sql_string_formatting" in removed
    changed = log.split("## Severity changed")[1].split("##")[0]
    assert ("`hindsight.catalog.subprocess_shell_true`: WARNING -> ERROR (500 events (>= 100); caught 1 of 1 crash "
            "sites it was not built from)") in changed
    assert "hindsight.mined.missing_http_timeout.c-000007" not in log.split("## Candidates not shipped")[1]
    manifest = json.loads((second.path / "manifest.json").read_text())
    assert manifest["previous"] == first.version and manifest["version"] == second.version
    assert "hindsight-semgrep.yaml" in manifest["files"]
    versions = [v for (v,) in warehouse.execute("SELECT version FROM core.rule_packs ORDER BY version").fetchall()]
    assert versions == [first.version, second.version]
    n = warehouse.execute("SELECT count(*) FROM core.rules WHERE pack_version = ?", [second.version]).fetchone()[0]
    assert n == len(manifest["rules"])


@pytest.mark.slow
def test_released_pack_passes_real_semgrep_scan_test(released):
    """The bar as stated: `semgrep scan --test` on the pack's own annotated examples (one start per rule)."""
    ok, detail = check_semgrep_examples(released.result.path)
    n = len(released.pack.semgrep_rules)
    assert ok and f"{n}/{n}: ✓ All tests passed" in detail, detail


def test_hostile_revision_and_path_are_dropped_not_passed_to_git(world, warehouse):
    """A crash site whose revision looks like a git option, or whose path escapes the repo, is ignored."""
    warehouse.execute("UPDATE core.frame_resolutions SET revision = '--output=/tmp/x' WHERE event_id = 'C-000001-e0'")
    warehouse.execute("UPDATE core.frame_resolutions SET repo_path = '../../etc/passwd' WHERE event_id = 'C-000002-e0'")
    pack = synthesize_rules(warehouse, world.config)
    sites = [s for ev in pack.evidence.values() for s in ev.sites]
    assert all(not s.revision.startswith("-") and ".." not in s.path for s in sites)
    assert len(sites) == len(CLUSTERS)  # the other events of those clusters still give their sites
