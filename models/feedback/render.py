"""Rendering a pack's linter configurations: the semgrep YAML, the ruff TOML, the `--test` examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from models.feedback.catalog import RUFF_TEST_GLOBS

if TYPE_CHECKING:
    from models.feedback.synthesis import RulePack

SEMGREP_FILE = "hindsight-semgrep.yaml"
RUFF_FILE = "hindsight-ruff.toml"
PYPROJECT_SNIPPET = "pyproject-snippet.toml"
TESTS_DIR = "semgrep-tests"
# Examples are `NAME.py.example`: `semgrep --test` pairs them with `NAME.yaml`, while no repository-wide
# tool (semgrep, ruff, mypy, pytest) reads them as Python once the pack sits in a repository.
EXAMPLE_SUFFIX = ".py.example"
SEMGREPIGNORE = ".semgrepignore"

RUFF_PITFALL = """\
# PITFALL: ruff has no plugins; this pack is `extend-select` + banned-api entries. If the config that
# extends this file sets `select = [...]`, ruff resolves `select` from the child and this file's
# `extend-select` is silently lost. In the extending config use `extend-select` (not `select`), or
# copy the codes below into your own `select` list."""


def semgrep_yaml(pack: RulePack) -> str:
    header = (f"# Hindsight rule pack {pack.version or '(unreleased)'}: semgrep rules. Generated; do not edit.\n"
              "# Scan with --no-rewrite-rule-ids so the ids print as written here (see README.md).\n")
    return header + yaml.safe_dump(pack.semgrep_document(), sort_keys=False, allow_unicode=False, width=120)


def semgrepignore() -> str:
    """Keeps a repository-wide semgrep scan out of the pack folder (semgrep reads nested .semgrepignore files)."""
    return "# The Hindsight pack's own files (rules, annotated examples) are not code of this repository.\n*\n"


def _toml_str(text: str) -> str:
    """A TOML basic string (JSON escaping is valid TOML for the characters we emit)."""
    return json.dumps(text, ensure_ascii=True)


def _lint_body(pack: RulePack, prefix: str) -> str:
    lines = [f"[{prefix}lint]", "extend-select = [" + ", ".join(_toml_str(c) for c in pack.ruff_codes) + "]", ""]
    if pack.ruff_codes:
        lines.append(f"[{prefix}lint.extend-per-file-ignores]  # test code does not run in production")
        codes = "[" + ", ".join(_toml_str(c) for c in pack.ruff_codes) + "]"
        lines += [f"{_toml_str(glob)} = {codes}" for glob in RUFF_TEST_GLOBS]
        lines.append("")
    if pack.banned_api:
        lines.append(f"[{prefix}lint.flake8-tidy-imports.banned-api]")
        for api, msg in sorted(pack.banned_api.items()):
            lines.append(f"{_toml_str(api)}.msg = {_toml_str(msg)}")
        lines.append("")
    return "\n".join(lines)


def ruff_toml(pack: RulePack) -> str:
    """Standalone ruff config, meant for `extend = "hindsight-ruff.toml"` or `ruff check --config`."""
    head = (
        f"# Hindsight rule pack {pack.version or '(unreleased)'}: ruff part. Generated; do not edit.\n"
        '# Use: in ruff.toml / .ruff.toml put `extend = "path/to/hindsight-ruff.toml"`,\n'
        f"# or paste {PYPROJECT_SNIPPET} into pyproject.toml.\n{RUFF_PITFALL}\n\n"
    )
    return head + _lint_body(pack, "")


def pyproject_snippet(pack: RulePack) -> str:
    """The same settings under `[tool.ruff.lint]`, to paste into a pyproject.toml."""
    head = f"# Hindsight rule pack {pack.version or '(unreleased)'}: paste into pyproject.toml.\n{RUFF_PITFALL}\n\n"
    return head + _lint_body(pack, "tool.ruff.")


def write_linter_configs(pack: RulePack, directory: Path) -> tuple[Path, Path]:
    """Write the semgrep and ruff configs of `pack` into `directory`; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    sg, rf = directory / SEMGREP_FILE, directory / RUFF_FILE
    sg.write_text(semgrep_yaml(pack), encoding="utf-8")
    rf.write_text(ruff_toml(pack), encoding="utf-8")
    return sg, rf


def write_semgrep_tests(pack: RulePack, directory: Path) -> int:
    """One `NAME.yaml` (one rule) + `NAME.py.example` (annotated example) per tested rule; returns how many."""
    directory.mkdir(parents=True, exist_ok=True)
    n = 0
    for rule in pack.semgrep_rules:
        if not rule.example:
            continue
        stem = rule.rule_id.replace(".", "_")
        (directory / f"{stem}.yaml").write_text(yaml.safe_dump({"rules": [rule.body]}, sort_keys=False), encoding="utf-8")
        (directory / f"{stem}{EXAMPLE_SUFFIX}").write_text(rule.example, encoding="utf-8")
        n += 1
    return n
