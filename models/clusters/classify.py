"""Failure class of a signature from the classes' `[[classify]]` rules (registry order; first match wins).

The rules are declared with their class in `models/failure_classes/classes/<class>.toml`. Conditions
(all optional, at least one per rule): `types` - the main exception's type name (last dotted part) is
one of these; `message` - one regex matches "Type: parameterized value" / the message / the log template;
`code` - one regex matches the crash-site code (context lines of in-app frames and the 3 lines before
the crash line); `not_code` - no regex matches the crash-site code. Regexes are Python `re`, searched
(not anchored), case-sensitive unless they start with (?i).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from models.clusters.documents import Signature
from models.failure_classes import UNKNOWN, ClassifyRule, Registry, registry

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


def known_classes(reg: Registry | None = None) -> tuple[str, ...]:
    """Every class a cluster can have: the registry's, then `unknown`."""
    return (*(reg or registry()).ids, UNKNOWN)


def _compile(rule: ClassifyRule, where: object, known: tuple[str, ...]) -> ClassRule:
    if rule.failure_class not in known:
        raise ValueError(f"{where}: rule {rule.id}: class {rule.failure_class!r} is not in the catalog")
    if not any(getattr(rule, c) for c in _CONDITIONS):
        raise ValueError(f"{where}: rule {rule.id} has no condition")
    try:
        return ClassRule(
            id=rule.id,
            failure_class=rule.failure_class,
            types=frozenset(rule.types) if rule.types else None,
            message=tuple(re.compile(p) for p in rule.message),
            code=tuple(re.compile(p) for p in rule.code),
            not_code=tuple(re.compile(p) for p in rule.not_code),
        )
    except re.error as exc:
        raise ValueError(f"{where}: rule {rule.id}: bad regex: {exc}") from exc


@lru_cache(maxsize=8)
def _registry_rules(reg: Registry) -> tuple[ClassRule, ...]:
    return tuple(_compile(r, reg.folder / f"{r.failure_class}.toml", known_classes(reg)) for r in reg.classify_rules)


def load_rules(path: Path | None = None) -> tuple[ClassRule, ...]:
    """The registry's rules in order; or, from `path`, a file of `[[rule]]` tables with a `class` each
    (unknown class, empty rule or bad regex => ValueError)."""
    if path is None:
        return _registry_rules(registry())
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    rules = []
    for i, r in enumerate(data.get("rule", [])):
        declared = ClassifyRule(r.get("id", f"#{i}"), r.get("class"), i,
                                **{c: tuple(r.get(c, ())) for c in _CONDITIONS})
        rules.append(_compile(declared, path, known_classes()))
    return tuple(rules)


def classify(exc_type: str | None, message: str, code: str, rules=None) -> tuple[str, str | None]:
    """(failure_class, rule id) — ('unknown', None) when no rule fits."""
    for rule in rules if rules is not None else load_rules():
        if rule.matches(exc_type, message or "", code or ""):
            return rule.failure_class, rule.id
    return UNKNOWN, None


def classify_signature(sig: Signature) -> None:
    sig.failure_class, sig.class_rule = classify(sig.exception_type, sig.message, sig.code)
