"""The failure-class catalog (ANCHORS §6): our semgrep rules per class, ruff codes, banned APIs.

The semgrep rules are data files, `catalog/<class>.yaml`, each tested by `catalog/<class>.py`
(`# ruleid:` / `# ok:` annotations, run with `semgrep scan --test`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"

FAILURE_CLASSES = (
    "missing_http_timeout",
    "retry_without_backoff",
    "unbounded_load",
    "sql_string_formatting",
    "missing_idempotency",
    "resource_not_closed",
    "secrets_in_logs",
    "swallowed_exception",
    "unchecked_external_json",
    "check_then_act_race",
    "subprocess_shell_true",
    "naive_datetime",
)

TITLES = {
    "missing_http_timeout": "HTTP calls without a timeout",
    "retry_without_backoff": "Retries without backoff",
    "unbounded_load": "Unbounded loads into memory",
    "sql_string_formatting": "SQL built by string formatting",
    "missing_idempotency": "Writes that are not idempotent",
    "resource_not_closed": "Files and sockets not closed",
    "secrets_in_logs": "Secrets written to logs",
    "swallowed_exception": "Swallowed exceptions",
    "unchecked_external_json": "Unchecked external JSON",
    "check_then_act_race": "Check-then-act races",
    "subprocess_shell_true": "Commands run through a shell",
    "naive_datetime": "Naive datetimes",
}

# Built-in ruff codes covering each class (ANCHORS §6).
RUFF_CODES: dict[str, tuple[str, ...]] = {
    "missing_http_timeout": ("S113",),
    "sql_string_formatting": ("S608",),
    "resource_not_closed": ("SIM115",),
    "swallowed_exception": ("E722", "BLE001", "S110", "S112"),
    "subprocess_shell_true": ("S602", "S604", "S605", "S609"),
    "naive_datetime": ("DTZ001", "DTZ002", "DTZ003", "DTZ004", "DTZ005", "DTZ006", "DTZ007", "DTZ011", "DTZ012"),
}

# APIs whose every use is the failing construct, so banning them (TID251) has no false positive on a fix.
BANNED_APIS: dict[str, dict[str, str]] = {
    "naive_datetime": {
        "datetime.datetime.utcnow": "returns a naive datetime; use datetime.now(timezone.utc)",
        "datetime.datetime.utcfromtimestamp": "returns a naive datetime; use datetime.fromtimestamp(ts, tz=timezone.utc)",
    },
    "subprocess_shell_true": {
        "os.system": "runs the command through a shell; use subprocess.run([...], check=True)",
        "os.popen": "runs the command through a shell; use subprocess.run([...], capture_output=True)",
    },
}

# Classes whose defect sits before the crashing line (the crash is a consequence): a finding in the
# crash site's enclosing function, at or before the crash line, counts as flagging the site.
ANTECEDENT_CLASSES = frozenset({"swallowed_exception", "naive_datetime", "retry_without_backoff"})


# Production-failure rules are about code that runs in production: test code is excluded from the
# pack (semgrep `paths.exclude`, ruff `extend-per-file-ignores`).
SEMGREP_TEST_EXCLUDES = ("tests/", "test/", "test_*.py", "*_test.py", "conftest.py")
RUFF_TEST_GLOBS = ("**/tests/**", "**/test/**", "**/test_*.py", "**/*_test.py", "**/conftest.py")


@dataclass(frozen=True)
class CatalogRule:
    failure_class: str
    rule: dict  # the semgrep rule mapping, as in the YAML file
    example_path: Path

    @property
    def rule_id(self) -> str:
        return self.rule["id"]

    @property
    def meta(self) -> dict:
        return self.rule.get("metadata", {})


@lru_cache(maxsize=1)
def load_catalog() -> dict[str, CatalogRule]:
    """Every catalog rule by failure class."""
    out = {}
    for cls in FAILURE_CLASSES:
        path = CATALOG_DIR / f"{cls}.yaml"
        if not path.exists():
            continue
        rule = yaml.safe_load(path.read_text(encoding="utf-8"))["rules"][0]
        out[cls] = CatalogRule(cls, rule, CATALOG_DIR / f"{cls}.py")
    return out


def matching_body(rule: dict) -> dict:
    """The matching part of a semgrep rule (`pattern`, `patterns`, `pattern-either`, ...)."""
    keys = ("pattern", "patterns", "pattern-either", "pattern-regex")
    return {k: v for k, v in rule.items() if k in keys}
