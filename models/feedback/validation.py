"""Gatekeeping a staged pack before it is released: every semgrep rule loads (`--strict`), the annotated
examples pass `semgrep --test`, ruff loads the config both ways, the SARIF is valid SARIF 2.1.0.

Problems name the rule and the reason; they are never empty. A pack with problems is not released
and the previous pack stays current (`pack.export_pack`).
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import yaml

from models.errors import ToolError
from models.feedback import render
from models.feedback.sarif import validate_sarif
from models.feedback.tools import _tool, run, semgrep_test, semgrep_validate

SARIF_FILE = "hindsight.sarif"


class PackValidationError(ToolError):
    """The staged pack failed validation (semgrep, ruff or SARIF); `problems` says which rule and why."""

    hint = "fix or remove the rule named above; the previous pack stays current"

    def __init__(self, problems: list[str], previous: str | None = None):
        self.problems = problems
        self.previous = previous
        keep = f"pack {previous} stays current" if previous else "no pack is released"
        shown = "; ".join(problems[:6]) + (f"; and {len(problems) - 6} more" if len(problems) > 6 else "")
        super().__init__(f"rule pack not released ({keep}): {shown}")


def _rule_at_line(yaml_text: str, line: int) -> str | None:
    """The id of the rule whose block holds `line` (1-based) of a rules file."""
    current = None
    for n, text in enumerate(yaml_text.splitlines(), start=1):
        m = re.match(r"^\s*-\s+id:\s*(\S+)", text)
        if m:
            current = m.group(1).strip("'\"")
        if n >= line:
            break
    return current


def _semgrep_errors(proc) -> list[tuple[str, int | None, str | None]]:
    """(message, line in the config, rule id) of each error semgrep reported as JSON."""
    try:
        data = json.loads(proc.stdout or "{}")
    except json.JSONDecodeError:
        return []
    out = []
    for err in data.get("errors", []):
        msg = (err.get("long_msg") or err.get("short_msg") or err.get("message") or err.get("type") or "").strip()
        if "configs were invalid" in msg:
            continue
        spans = err.get("spans") or []
        line = spans[0].get("start", {}).get("line") if spans else None
        out.append((" ".join(msg.split())[:300], line, err.get("rule_id")))
    return out


def semgrep_problems(rules_file: Path) -> list[str]:
    """`semgrep scan --strict` of an empty file with the rules (rc 0 ok, 2 pattern error, 7 schema error);
    each problem names its rule: the rule id semgrep gives (a pattern that does not parse), else the rule
    at the error's line (a schema error), else the rules are re-checked one by one (~2 s each)."""
    rules_file = Path(rules_file)
    text = rules_file.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="hindsight-validate-") as tmp:
        proc = semgrep_validate(rules_file, Path(tmp))
        if proc.returncode == 0:
            return []
        errors = _semgrep_errors(proc)
        problems = [
            f"{rule or _rule_at_line(text, line) or rules_file.name}: {msg}" for msg, line, rule in errors if rule or line
        ]
        if problems:
            return problems
        # No position: find the culprits one rule at a time (only on this failure path).
        try:
            rules = (yaml.safe_load(text) or {}).get("rules") or []
        except yaml.YAMLError as exc:
            return [f"{rules_file.name}: not valid YAML: {' '.join(str(exc).split())[:300]}"]
        for i, rule in enumerate(rules):
            one = Path(tmp) / f"rule-{i}.yaml"
            one.write_text(yaml.safe_dump({"rules": [rule]}, sort_keys=False), encoding="utf-8")
            single = semgrep_validate(one, Path(tmp))
            if single.returncode != 0:
                msgs = [m for m, *_ in _semgrep_errors(single)] or [f"semgrep rc {single.returncode}"]
                rid = rule.get("id", f"rule #{i + 1}") if isinstance(rule, dict) else f"rule #{i + 1}"
                problems.append(f"{rid}: {'; '.join(msgs)}")
        tail = " ".join((proc.stderr or "").split())[-300:]
        return problems or [f"{rules_file.name}: semgrep rc {proc.returncode}: {tail or 'no error text'}"]


def semgrep_test_problems(tests_dir: Path) -> tuple[list[str], str]:
    """`semgrep scan --test` over the annotated examples: (problems naming the rule, summary line)."""
    proc = semgrep_test(Path(tests_dir))
    out = (proc.stdout or "") + "\n" + (proc.stderr or "")
    summary = next((ln.strip() for ln in out.splitlines() if re.match(r"\s*\d+/\d+:", ln)), "")
    if proc.returncode == 0:
        return [], summary
    problems, current = [], None
    for ln in out.splitlines():
        m = re.match(r"\s*✖\s+(\S+)", ln)
        if m:
            current = m.group(1)
        elif current and ("missed lines" in ln or "incorrect lines" in ln):
            problems.append(f"{current}: semgrep --test: {' '.join(ln.split())}")
            current = None
    tail = " ".join(out.split())[-300:]
    return problems or [f"semgrep --test rc {proc.returncode}: {tail or 'no output'}"], summary


def ruff_problems(pack_dir: Path) -> list[str]:
    """ruff loads the pack both as `extend = "hindsight-ruff.toml"` and pasted into a pyproject.toml."""
    pack_dir = Path(pack_dir).resolve()
    problems = []
    with tempfile.TemporaryDirectory(prefix="hindsight-ruff-") as tmp:
        a, b = Path(tmp) / "extend", Path(tmp) / "pyproject"
        for d in (a, b):
            d.mkdir()
            (d / "empty.py").write_text("")
        (a / "ruff.toml").write_text(f"extend = {json.dumps(str(pack_dir / render.RUFF_FILE))}\n")
        (b / "pyproject.toml").write_text(
            '[project]\nname = "x"\nversion = "0"\n\n' + (pack_dir / render.PYPROJECT_SNIPPET).read_text()
        )
        for d in (a, b):
            proc = run([_tool("ruff"), "check", "--no-cache", "empty.py"], cwd=d)
            if proc.returncode != 0:
                why = " ".join((proc.stderr or proc.stdout or "").split())[-300:] or "no error text"
                problems.append(f"{render.RUFF_FILE} ({d.name}): ruff rc {proc.returncode}: {why}")
    return problems


def sarif_problems(pack_dir: Path) -> list[str]:
    path = Path(pack_dir) / SARIF_FILE
    if not path.exists():
        return []
    try:
        validate_sarif(json.loads(path.read_text(encoding="utf-8")))
    except Exception as exc:  # noqa: BLE001 - any schema or parse failure is the problem reported
        return [f"{SARIF_FILE}: {' '.join(str(exc).split())[:300]}"]
    return []


def validate_pack_dir(pack_dir: Path) -> list[str]:
    """Every problem of a staged pack folder (empty: fit to release)."""
    pack_dir = Path(pack_dir)
    problems = semgrep_problems(pack_dir / render.SEMGREP_FILE)
    if not problems and any((pack_dir / render.TESTS_DIR).glob("*.yaml")):
        problems += semgrep_test_problems(pack_dir / render.TESTS_DIR)[0]
    problems += ruff_problems(pack_dir)
    problems += sarif_problems(pack_dir)
    return problems
