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
