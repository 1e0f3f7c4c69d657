"""Failure class of a signature from the rules in `failure_classes.toml` (first matching rule wins)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from models.clusters.documents import Signature
from models.package_data import package_path

RULES_FILE = package_path("models.clusters", "failure_classes.toml")
CATALOG = (
    "missing_http_timeout", "retry_without_backoff", "unbounded_load", "sql_string_formatting",
    "missing_idempotency", "resource_not_closed", "secrets_in_logs", "swallowed_exception",
    "unchecked_external_json", "check_then_act_race", "subprocess_shell_true", "naive_datetime", "unknown",
)  # fmt: skip
_CONDITIONS = ("types", "message", "code", "not_code")


@dataclass(frozen=True)
class ClassRule:
    id: str
    failure_class: str
    types: frozenset[str] | None
    message: tuple[re.Pattern, ...]
    code: tuple[re.Pattern, ...]
    not_code: tuple[re.Pattern, ...]

    def matches(self, exc_type: str | None, message: str, code: str) -> bool:
        if self.types is not None and exc_type not in self.types:
            return False
        if self.message and not any(p.search(message) for p in self.message):
            return False
        if self.code and not any(p.search(code) for p in self.code):
            return False
        return not any(p.search(code) for p in self.not_code)


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> tuple[ClassRule, ...]:
    """Parse and validate the rule file (unknown class, empty rule or bad regex => ValueError)."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    rules = []
    for i, r in enumerate(data.get("rule", [])):
        rid = r.get("id", f"#{i}")
        if r.get("class") not in CATALOG:
            raise ValueError(f"{path}: rule {rid}: class {r.get('class')!r} is not in the catalog")
        if not any(r.get(c) for c in _CONDITIONS):
            raise ValueError(f"{path}: rule {rid} has no condition")
        try:
            rules.append(
                ClassRule(
                    id=rid,
                    failure_class=r["class"],
                    types=frozenset(r["types"]) if r.get("types") else None,
                    message=tuple(re.compile(p) for p in r.get("message", [])),
                    code=tuple(re.compile(p) for p in r.get("code", [])),
                    not_code=tuple(re.compile(p) for p in r.get("not_code", [])),
                )
            )
        except re.error as exc:
            raise ValueError(f"{path}: rule {rid}: bad regex: {exc}") from exc
    return tuple(rules)


def classify(exc_type: str | None, message: str, code: str, rules=None) -> tuple[str, str | None]:
    """(failure_class, rule id) — ('unknown', None) when no rule fits."""
    for rule in rules if rules is not None else load_rules():
        if rule.matches(exc_type, message or "", code or ""):
            return rule.failure_class, rule.id
    return "unknown", None


def classify_signature(sig: Signature) -> None:
    sig.failure_class, sig.class_rule = classify(sig.exception_type, sig.message, sig.code)
