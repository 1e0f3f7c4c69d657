"""The failure-class registry: every class complete, every file owned, and a new class is one declaration.

A registry copied to a temp folder with one extra class (its three files, plus the extractor its
declaration names, in a module of the temp folder) flows through clustering's classification, the
catalog rule (real semgrep on its examples), mining, the ruff part of the pack and the guidance files.
"""

from __future__ import annotations

import shutil
import textwrap
from datetime import datetime

import pytest

from models.clusters.classify import classify, known_classes, load_rules
from models.failure_classes import REGISTRY_DIR, RegistryError, load_registry, registry
from models.failure_classes import load as registry_module
from models.feedback.checks import run_annotated_examples
from models.feedback.evidence import ClassEvidence, ClusterImpact, CrashSite
from models.feedback.guidance import render_guidance
from models.feedback.mining import extract_construct
from models.feedback.synthesis import RulePack, _catalog_rule, _ruff_rules

NEW = "pickle_of_external_data"

DECLARATION = f'''
id = "{NEW}"
title = "Pickles of external data"
position = 13
antecedent = false
ruff_codes = ["S301"]

[mining]
extractor = "extra_extractors:pickle_loads_call"

[banned_apis]
"pickle.loads" = "runs code from the payload; use json.loads on external data"

[[classify]]
id = "invalid-load-key"
order = 5
types = ["UnpicklingError"]
'''

RULE = f"""rules:
  - id: hindsight.catalog.{NEW}
    languages: [python]
    severity: WARNING
    message: External bytes unpickled; a crafted payload runs code. Parse JSON instead.
    metadata:
      hindsight-class: {NEW}
      fix: Decode external data with `json.loads`, never `pickle.loads`.
      do: "order = json.loads(body)"
      dont: "order = pickle.loads(body)"
    pattern: pickle.loads(...)
"""

EXAMPLES = f"""# ruff: noqa
import json
import pickle


def handle(body):
    # ruleid: hindsight.catalog.{NEW}
    order = pickle.loads(body)
    # ok: hindsight.catalog.{NEW}
    order = json.loads(body)
    return order
"""

EXTRACTOR = """
import ast

from models.feedback.mining import Construct, _calls_on, _callee


def pickle_loads_call(tree, fn, line):
    for call in _calls_on(tree, line):
        if _callee(call) == "pickle.loads":
            return Construct("pickle:loads", {"pattern": "pickle.loads(...)"}, call.lineno, "`pickle.loads(...)`", fn)
    return None
"""


@pytest.fixture
def extended(tmp_path, monkeypatch):
    """The project's registry plus one class, as the registry every stage reads."""
    folder = tmp_path / "classes"
    shutil.copytree(REGISTRY_DIR, folder)
    (folder / f"{NEW}.toml").write_text(DECLARATION)
    (folder / f"{NEW}.yaml").write_text(RULE)
    (folder / f"{NEW}.py").write_text(EXAMPLES)
    (tmp_path / "extra_extractors.py").write_text(EXTRACTOR)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry_module, "REGISTRY_DIR", folder)
    yield folder
    load_registry.cache_clear()


def test_every_declared_class_is_complete_and_its_references_resolve():
    reg = registry()
    assert len(reg) == 12 and [c.position for c in reg] == list(range(1, 13))
    files = {p.name for p in REGISTRY_DIR.iterdir()}
    assert files == {f"{c.id}{suffix}" for c in reg for suffix in (".toml", ".yaml", ".py")}
    for c in reg:
        assert c.rule["id"] == c.rule_id and c.meta["hindsight-class"] == c.id
        assert c.classify, c.id
        if c.extractor_ref:
            assert callable(c.extractor), c.id
        if c.anchor_ref:
            assert callable(c.anchor), c.id
    # what was spread over seven places is read from here
    assert reg["naive_datetime"].antecedent and not reg["missing_http_timeout"].antecedent
    assert reg["subprocess_shell_true"].ruff_codes == ("S604",) and "os.system" in reg["subprocess_shell_true"].banned_apis
    assert known_classes() == (*reg.ids, "unknown")
    assert [r.id for r in load_rules()][:2] == ["naive-aware-compare", "unique-violation"]


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda d: (d / "naive_datetime.py").unlink(), "naive_datetime.py is missing"),
        (lambda d: (d / "naive_datetime.yaml").unlink(), "naive_datetime.yaml is missing"),
        (lambda d: (d / "stray_rule.yaml").write_text("rules: []\n"), "belongs to no declared class"),
        (lambda d: (d / "notes.txt").write_text("x\n"), "belongs to no declared class"),
        (lambda d: (d / "naive_datetime.toml").write_text(
            (d / "naive_datetime.toml").read_text() + 'colour = "red"\n'), "unknown keys"),
        (lambda d: (d / "naive_datetime.toml").write_text(
            (d / "naive_datetime.toml").read_text().replace("order = 10", "order = 20")), "classify order declared twice"),
    ],
    ids=["no-examples", "no-rule", "orphan-rule", "orphan-file", "unknown-key", "order-clash"],
)
def test_an_incomplete_registry_is_a_clear_error(tmp_path, breakage, message):
    folder = tmp_path / "classes"
    shutil.copytree(REGISTRY_DIR, folder)
    breakage(folder)
    with pytest.raises(RegistryError, match=message):
        load_registry(folder)


def test_a_new_class_is_one_declaration(extended, tmp_path):
    reg = registry()
    assert NEW in reg and reg.ids[-1] == NEW and NEW in known_classes()

    # clustering: its [[classify]] rule assigns it (and comes first: order 5)
    assert classify("UnpicklingError", "invalid load key, 'x'.", "order = pickle.loads(body)") == (NEW, "invalid-load-key")
    assert classify("KeyError", "'x'", "")[0] == "unknown"

    # the catalog rule matches its positives and not its negatives (real semgrep)
    declared = reg[NEW]
    assert run_annotated_examples([(declared.rule_path, declared.examples_path)], tmp_path / "w") == []

    # mining: the extractor the declaration names reads the failing construct
    source = textwrap.dedent("""\
        import pickle


        def on_message(body):
            order = pickle.loads(body)
            return order["id"]
        """)
    construct = extract_construct(NEW, source, 5)
    assert construct is not None and construct.body == {"pattern": "pickle.loads(...)"} and construct.function == "on_message"

    # the pack: its catalog rule, its ruff code and banned API; guidance with its title and fix
    site = CrashSite("C-9", NEW, "shop", "abc123", "src/worker.py", 5, 7, None, False, None, None)
    cluster = ClusterImpact("C-9", NEW, "UnpicklingError", "UnpicklingError", 7, 0,
                            datetime(2026, 11, 1), datetime(2026, 11, 3), 2, 3, [site])
    evidence = {NEW: ClassEvidence(NEW, [cluster])}
    catalog_rule = _catalog_rule(NEW, evidence[NEW])
    assert catalog_rule.rule_id == f"hindsight.catalog.{NEW}" and "# ruleid:" in catalog_rule.example
    ruff_rules, codes, banned = _ruff_rules(evidence)
    assert codes == ["S301", "TID251"] and set(banned) == {"pickle.loads"}
    assert {r.rule_id for r in ruff_rules} == {f"ruff.{NEW}", "ruff.TID251.pickle.loads"}
    pack = RulePack(rules=[catalog_rule, *ruff_rules], evidence=evidence, ruff_codes=codes, banned_api=banned,
                    fixes={}, version="2026.11.03.1")
    agents = render_guidance(pack)["AGENTS.md"][1]
    assert "Pickles of external data" in agents and "never `pickle.loads`" in agents
    assert "order = pickle.loads(body)" in agents  # the catalog's Don't, as no failing code was captured
