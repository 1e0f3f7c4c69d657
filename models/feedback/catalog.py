"""The failure-class catalog (ANCHORS §6): our semgrep rules per class, ruff codes, banned APIs.

The semgrep rules are data files, `catalog/<class>.yaml`, each tested by `catalog/<class>.py`
(`# ruleid:` / `# ok:` annotations, run with `semgrep scan --test`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from models.package_data import package_path

CATALOG_DIR = package_path("models.feedback", "catalog")

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

# Built-in ruff codes shipped per class. ruff and semgrep never report the same construct: a code is shipped
# only when it catches what the semgrep catalog rule of its class does not, and when it stays quiet on
# well-maintained code (benchmarks/feedback.py, tuning half of the corpus). `RUFF_LEFT_OUT` says why each
# other code of the class (ANCHORS §6) is not shipped.
RUFF_CODES: dict[str, tuple[str, ...]] = {
    "naive_datetime": ("DTZ001", "DTZ012"),
    "subprocess_shell_true": ("S604",),
}
RUFF_LEFT_OUT: dict[str, str] = {
    "S113": "same construct as hindsight.catalog.missing_http_timeout",
    "S608": "same construct as hindsight.catalog.sql_string_formatting at execute(); elsewhere any SQL-looking string",
    "SIM115": "same construct as hindsight.catalog.resource_not_closed, without its escape analysis (13 findings on the corpus)",
    "E722": "overlaps hindsight.catalog.swallowed_exception; deliberate broad excepts at process boundaries",
    "BLE001": "overlaps hindsight.catalog.swallowed_exception; 80 findings on the corpus (best-effort cleanup)",
    "S110": "overlaps hindsight.catalog.swallowed_exception; 20 findings on the corpus",
    "S112": "overlaps hindsight.catalog.swallowed_exception",
    "S602": "same construct as hindsight.catalog.subprocess_shell_true",
    "S605": "os.system / os.popen are banned APIs (TID251) with the production evidence in their message",
    "S609": "a subset of the sites of hindsight.catalog.subprocess_shell_true",
    "DTZ002": "same construct as hindsight.catalog.naive_datetime",
    "DTZ003": "datetime.utcnow is a banned API (TID251) with the production evidence in its message",
    "DTZ004": "datetime.utcfromtimestamp is a banned API (TID251) with the production evidence in its message",
    "DTZ005": "same construct as hindsight.catalog.naive_datetime (which only flags naive values that are compared)",
    "DTZ006": "same construct as hindsight.catalog.naive_datetime",
    "DTZ007": "4 findings on the tuning corpus: parsing zone-less formats on purpose (marshmallow, click)",
    "DTZ011": "date.today() has no timezone to lose; 1 finding on the tuning corpus (urllib3)",
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
