"""Checks on a released pack folder: the semgrep rules validate offline, the annotated examples pass
`semgrep scan --test`, the ruff config loads both ways, the SARIF is valid. Used by the Dagster asset
checks, the tests and the benchmark."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from models.feedback import render
from models.feedback.pack import SARIF_FILE
from models.feedback.sarif import validate_sarif
from models.feedback.tools import _tool, run, semgrep_test, semgrep_validate


def check_semgrep_valid(pack_dir: Path) -> tuple[bool, str]:
    """`semgrep scan --strict --config PACK empty.py`: rc 0 ok, 2 pattern error, 7 schema error."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = semgrep_validate(Path(pack_dir) / render.SEMGREP_FILE, Path(tmp))
    return proc.returncode == 0, f"rc {proc.returncode}" + (f": {proc.stderr[-800:]}" if proc.returncode else "")


def check_semgrep_examples(pack_dir: Path) -> tuple[bool, str]:
    """`semgrep scan --test` over the pack's annotated examples."""
    proc = semgrep_test(Path(pack_dir) / render.TESTS_DIR)
    out = proc.stdout + "\n" + proc.stderr
    summary = [ln.strip() for ln in out.splitlines() if re.match(r"\s*\d+/\d+:", ln)]
    missed = [ln.strip() for ln in out.splitlines() if "missed lines" in ln or "✖" in ln]
    return proc.returncode == 0, " | ".join(summary + missed[:10]) or out[-800:]


def check_ruff_config(pack_dir: Path) -> tuple[bool, str]:
    """ruff loads the pack both as `extend = "hindsight-ruff.toml"` and pasted into a pyproject.toml."""
    pack_dir = Path(pack_dir).resolve()
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "extend", Path(tmp) / "pyproject"
        for d in (a, b):
            d.mkdir()
            (d / "empty.py").write_text("")
        (a / "ruff.toml").write_text(f'extend = "{pack_dir / render.RUFF_FILE}"\n')
        (b / "pyproject.toml").write_text(
            '[project]\nname = "x"\nversion = "0"\n\n' + (pack_dir / render.PYPROJECT_SNIPPET).read_text()
        )
        for d in (a, b):
            proc = run([_tool("ruff"), "check", "--no-cache", "empty.py"], cwd=d)
            if proc.returncode != 0:
                problems.append(f"{d.name}: rc {proc.returncode}: {proc.stderr[-400:]}")
    return not problems, "; ".join(problems) or "loads via extend and via pyproject"


def check_sarif(pack_dir: Path) -> tuple[bool, str]:
    try:
        validate_sarif(json.loads((Path(pack_dir) / SARIF_FILE).read_text()))
    except Exception as exc:  # noqa: BLE001 - report any schema or parse failure as a failed check
        return False, str(exc)[:800]
    return True, "valid SARIF 2.1.0"


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
        (target / example.name).write_text(example.read_text())
        for rid, exp in annotated_expectations(example.read_text()).items():
            expectations[(rid, example.name)] = exp
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
