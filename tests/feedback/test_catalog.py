"""The hand-written catalog: one semgrep rule per failure class, proven on positives and negatives."""

from __future__ import annotations

import re

import yaml

from models.feedback.catalog import CATALOG_DIR, FAILURE_CLASSES, load_catalog
from models.feedback.tools import semgrep_test


def test_every_catalog_class_has_a_rule_with_positive_and_negative_examples():
    catalog = load_catalog()
    assert set(catalog) == set(FAILURE_CLASSES)
    for cls, rule in catalog.items():
        assert rule.rule_id == f"hindsight.catalog.{cls}"
        assert rule.meta["hindsight-class"] == cls
        assert rule.meta["fix"] and rule.meta["do"] and rule.meta["dont"]
        example = rule.example_path.read_text()
        assert len(re.findall(rf"# ruleid: {re.escape(rule.rule_id)}$", example, re.M)) >= 1, cls
        assert len(re.findall(rf"# ok: {re.escape(rule.rule_id)}$", example, re.M)) >= 1, cls
        yaml.safe_load(rule.example_path.with_suffix(".yaml").read_text())


def test_catalog_rules_pass_semgrep_test_on_their_annotated_examples():
    """Real semgrep: every `# ruleid:` line must match and no `# ok:` line may match, for all 12 classes."""
    proc = semgrep_test(CATALOG_DIR)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert f"{len(FAILURE_CLASSES)}/{len(FAILURE_CLASSES)}: ✓ All tests passed" in out
