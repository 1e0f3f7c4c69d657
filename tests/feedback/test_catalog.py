"""The hand-written catalog: one semgrep rule per failure class, proven on positives and negatives."""

from __future__ import annotations

import re

import pytest
import yaml

from models.failure_classes import REGISTRY_DIR as CATALOG_DIR
from models.failure_classes import registry
from models.feedback.checks import run_annotated_examples
from models.feedback.tools import semgrep_test


def test_every_catalog_class_has_a_rule_with_positive_and_negative_examples():
    catalog = registry()
    assert set(catalog.ids) == {p.stem for p in CATALOG_DIR.glob("*.yaml")} and len(catalog) == 12
    for cls, rule in catalog.by_id.items():
        assert rule.rule_id == f"hindsight.catalog.{cls}"
        assert rule.meta["hindsight-class"] == cls
        assert rule.meta["fix"] and rule.meta["do"] and rule.meta["dont"]
        example = rule.examples_path.read_text()
        assert len(re.findall(rf"# ruleid: {re.escape(rule.rule_id)}$", example, re.MULTILINE)) >= 1, cls
        assert len(re.findall(rf"# ok: {re.escape(rule.rule_id)}$", example, re.MULTILINE)) >= 1, cls
        yaml.safe_load(rule.examples_path.with_suffix(".yaml").read_text())


def test_catalog_rules_match_positives_and_not_negatives(tmp_path):
    """One real semgrep run of all 12 catalog rules over their annotated examples: every `# ruleid:`
    line matches, no `# ok:` line matches, nothing unannotated matches (the `--test` verdict)."""
    pairs = [(CATALOG_DIR / f"{c}.yaml", CATALOG_DIR / f"{c}.py") for c in registry().ids]
    assert run_annotated_examples(pairs, tmp_path) == []


def test_annotation_harness_reports_a_broken_rule(tmp_path):
    """The harness fails when a rule stops matching its positives (here: the timeout rule made too broad and too narrow)."""
    rule = yaml.safe_load((CATALOG_DIR / "missing_http_timeout.yaml").read_text())
    rule["rules"][0] = {k: v for k, v in rule["rules"][0].items() if k != "patterns"} | {"pattern": "requests.$M(...)"}
    broken = tmp_path / "missing_http_timeout.yaml"
    broken.write_text(yaml.safe_dump(rule))
    failures = run_annotated_examples([(broken, CATALOG_DIR / "missing_http_timeout.py")], tmp_path / "w")
    assert any("missed lines" in f for f in failures) and any("matched ok lines" in f for f in failures)


@pytest.mark.slow
def test_catalog_rules_pass_semgrep_scan_test():
    """The real `semgrep scan --test` (one semgrep start per rule, hence slow)."""
    proc = semgrep_test(CATALOG_DIR)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert f"{len(registry())}/{len(registry())}: ✓ All tests passed" in out
