"""Checks on a released pack folder: the semgrep rules validate offline, the annotated examples pass
`semgrep scan --test`, the ruff config loads both ways, the SARIF is valid. Used by the Dagster asset
checks, the tests and the benchmark."""

from __future__ import annotations

import re
from pathlib import Path

from models.feedback import render
from models.feedback.validation import ruff_problems, sarif_problems, semgrep_problems, semgrep_test_problems


def check_semgrep_valid(pack_dir: Path) -> tuple[bool, str]:
    """`semgrep scan --strict --config PACK empty.py`: rc 0 ok, 2 pattern error, 7 schema error."""
    problems = semgrep_problems(Path(pack_dir) / render.SEMGREP_FILE)
    return not problems, "; ".join(problems) or "every rule loads with --strict"


def check_semgrep_examples(pack_dir: Path) -> tuple[bool, str]:
    """`semgrep scan --test` over the pack's annotated examples."""
    problems, summary = semgrep_test_problems(Path(pack_dir) / render.TESTS_DIR)
    return not problems, " | ".join([summary, *problems[:10]]).strip(" |")


def check_ruff_config(pack_dir: Path) -> tuple[bool, str]:
    """ruff loads the pack both as `extend = "hindsight-ruff.toml"` and pasted into a pyproject.toml."""
    problems = ruff_problems(pack_dir)
    return not problems, "; ".join(problems) or "loads via extend and via pyproject"


def check_sarif(pack_dir: Path) -> tuple[bool, str]:
    problems = sarif_problems(pack_dir)
    return not problems, "; ".join(problems) or "valid SARIF 2.1.0"


_ANNOTATION = re.compile(r"^\s*#\s*(ruleid|ok):\s*(.+?)\s*$")


def annotated_expectations(example: str) -> dict[str, tuple[set[int], set[int]]]:
    """rule id -> (lines that must match, lines that must not), from `# ruleid:` / `# ok:` comments
    (an annotation names the line right after it; several ids may be comma-separated)."""
    out: dict[str, tuple[set[int], set[int]]] = {}
    for n, line in enumerate(example.splitlines(), start=1):
        m = _ANNOTATION.match(line)
        if m:
            for rid in (x.strip() for x in m.group(2).split(",")):
                must, must_not = out.setdefault(rid, (set(), set()))
                (must if m.group(1) == "ruleid" else must_not).add(n + 1)
    return out


def run_annotated_examples(pairs: list[tuple[Path, Path]], workdir: Path) -> list[str]:
    """The `semgrep scan --test` verdict for many (rule yaml, example) pairs with ONE semgrep run:
    all rules scan all examples; each rule is judged only on its own example file. Returns failures."""
    import yaml

    from models.feedback.tools import semgrep_scan

    rules, expectations = [], {}
    target = Path(workdir) / "examples"
    target.mkdir(parents=True, exist_ok=True)
    for rule_file, example in pairs:
        doc = yaml.safe_load(Path(rule_file).read_text())
        rules += doc["rules"]
        name = example.name.removesuffix(".example")  # scanned as the Python file it is
        (target / name).write_text(example.read_text())
        for rid, exp in annotated_expectations(example.read_text()).items():
            expectations[(rid, name)] = exp
    config = Path(workdir) / "rules.yaml"
    config.write_text(yaml.safe_dump({"rules": rules}, sort_keys=False))
    found: dict[tuple[str, str], set[int]] = {}
    ids = {r["id"] for r in rules}
    for f in semgrep_scan(config, target):
        rid = f.rule_id if f.rule_id in ids else next((i for i in ids if f.rule_id.endswith("." + i)), f.rule_id)
        found.setdefault((rid, Path(f.path).name), set()).add(f.start_line)
    failures = []
    for (rid, name), (must, must_not) in sorted(expectations.items()):
        got = found.get((rid, name), set())
        if must - got:
            failures.append(f"{rid} in {name}: missed lines {sorted(must - got)}")
        if got & must_not:
            failures.append(f"{rid} in {name}: matched ok lines {sorted(got & must_not)}")
        if got - must - must_not:
            failures.append(f"{rid} in {name}: unannotated matches {sorted(got - must - must_not)}")
    return failures
