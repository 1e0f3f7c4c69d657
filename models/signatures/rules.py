"""User grouping rules (Sentry syntax) → parameterized SQL predicates.

Fingerprint rules (`Config.fingerprint_rules`): `type:SoftTimeLimitExceeded -> soft-timelimit-exceeded`,
`message:"*timed out*" level:error -> timeouts, {{ default }}`. Matchers on the event: `type`, `value`,
`message`, `logger`, `level`, `release`, `environment`, `service`; on any frame: `path`, `module`, `function`,
`package`, `family`, `app` (a `stack.`/`error.` prefix is accepted, `!` negates). First matching rule wins.

Stack-trace rules (`Config.stacktrace_rules`): `path:**/vendor/** -app`, `function:wrapped_view ^-group -group`,
`module:myapp.* +app`: frame matchers plus actions `+app`/`-app`, `+group`/`-group`, with `^` (frames towards
the crash, i.e. after the matching frame in Sentry order) or `v` (frames away from the crash). Later rules
override earlier ones, as in Sentry.

Values are globs (`*`, `**`, `?`), case-insensitive, compiled to RE2 regexes and always passed as SQL
parameters: rule text never becomes SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from models.errors import ConfigError

DEFAULT = "{{ default }}"
_MATCHER = re.compile(r'(!?)([A-Za-z_.]+):("(?:[^"\\]|\\.)*"|\S+)')
_ACTION = re.compile(r"^([v^]?)([+-])(app|group)$")
_EVENT_FIELDS = {
    "type": "type",
    "error.type": "type",
    "value": "value",
    "error.value": "value",
    "message": "message",
    "logger": "logger",
    "level": "level",
    "release": "release",
    "environment": "environment",
    "service": "service",
}
_FRAME_FIELDS = {
    "path": "path",
    "stack.abs_path": "path",
    "stack.path": "path",
    "abs_path": "path",
    "module": "module",
    "stack.module": "module",
    "function": "function",
    "stack.function": "function",
    "package": "package",
    "stack.package": "package",
    "family": "family",
    "app": "app",
    "stack.app": "app",
}


class RuleError(ConfigError):
    """A grouping rule that cannot be parsed (the message quotes the rule)."""


@dataclass(frozen=True)
class Matcher:
    field: str  # normalised name: type, value, message, ..., path, module, function, package, family, app
    pattern: str  # glob as written (unquoted)
    negated: bool = False


@dataclass(frozen=True)
class FingerprintRule:
    matchers: tuple[Matcher, ...]
    values: tuple[str, ...]  # may contain DEFAULT

    @property
    def has_default(self) -> bool:
        return DEFAULT in self.values

    @property
    def extra(self) -> tuple[str, ...]:
        return tuple(v for v in self.values if v != DEFAULT)


@dataclass(frozen=True)
class Action:
    direction: str  # '' (the frame itself), '^' (towards the crash), 'v' (away from the crash)
    flag: str  # 'app' | 'group'
    value: bool


@dataclass(frozen=True)
class StacktraceRule:
    matchers: tuple[Matcher, ...]
    actions: tuple[Action, ...]


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def _matchers(text: str, rule: str, allowed: dict[str, str]) -> tuple[list[Matcher], str]:
    found, rest = [], text
    for m in _MATCHER.finditer(text):
        key = m.group(2).lower()
        if key not in allowed:
            raise RuleError(f"unknown matcher {key!r} in rule {rule!r}")
        found.append(Matcher(allowed[key], _unquote(m.group(3)), negated=bool(m.group(1))))
    rest = _MATCHER.sub(" ", text).strip()
    if not found:
        raise RuleError(f"rule has no matcher: {rule!r}")
    return found, rest


def parse_fingerprint_rule(rule: str) -> FingerprintRule:
    if "->" not in rule:
        raise RuleError(f"fingerprint rule needs '->': {rule!r}")
    lhs, rhs = rule.split("->", 1)
    matchers, rest = _matchers(lhs, rule, {**_EVENT_FIELDS, **_FRAME_FIELDS})
    if rest:
        raise RuleError(f"cannot parse {rest!r} in fingerprint rule {rule!r}")
    parts = re.findall(r'"(?:[^"\\]|\\.)*"|[^,\s"]+(?:[ \t]+[^,\s"]+)*', rhs)
    values = tuple(re.sub(r"\{\{\s*default\s*\}\}", DEFAULT, _unquote(p)) for p in parts if _unquote(p))
    if not values:
        raise RuleError(f"fingerprint rule has no fingerprint after '->': {rule!r}")
    return FingerprintRule(tuple(matchers), values)


def parse_stacktrace_rule(rule: str) -> StacktraceRule:
    matchers, rest = _matchers(rule, rule, _FRAME_FIELDS)
    actions = []
    for word in rest.split():
        m = _ACTION.match(word)
        if not m:
            raise RuleError(f"unknown action {word!r} in stack-trace rule {rule!r}")
        actions.append(Action(m.group(1), m.group(3), m.group(2) == "+"))
    if not actions:
        raise RuleError(f"stack-trace rule has no action: {rule!r}")
    return StacktraceRule(tuple(matchers), tuple(actions))


def glob_to_regex(glob: str, path: bool = False) -> str:
    """Sentry-style glob → case-insensitive RE2 regex (full match). In paths `*` stops at `/`."""
    out, i = ["(?i)"], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*" if path else ".*")
            i += 1
        elif glob[i] == "?":
            out.append(".")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)


def _bool_value(pattern: str) -> bool:
    return pattern.strip().lower() in ("yes", "true", "1")


def frame_predicate(m: Matcher, alias: str = "") -> tuple[str, list]:
    """SQL predicate (and its parameters) testing one frame matcher on a `core.frames` row (+ `family`)."""
    a = f"{alias}." if alias else ""
    if m.field == "app":
        sql, params = f"coalesce({a}in_app, false) = ?", [_bool_value(m.pattern)]
    elif m.field == "path":
        rx = glob_to_regex(m.pattern.replace("\\", "/").lower(), path=True)
        sql = (
            f"(regexp_full_match(lower(replace(coalesce({a}abs_path, {a}filename, ''), '\\', '/')), ?) "
            f"OR regexp_full_match(lower(replace(coalesce({a}filename, ''), '\\', '/')), ?))"
        )
        params = [rx, rx]
    else:
        column = {"module": "module", "function": "function", "package": "package", "family": "family"}[
            m.field
        ]
        sql, params = f"regexp_full_match(coalesce({a}{column}, ''), ?)", [glob_to_regex(m.pattern)]
    return (f"NOT ({sql})" if m.negated else sql), params


def event_predicate(m: Matcher) -> tuple[str, list]:
    """SQL predicate on an event row `e` of `fp_todo` (frame matchers: any frame of the event)."""
    if m.field in ("path", "module", "function", "package", "family", "app"):
        inner, params = frame_predicate(Matcher(m.field, m.pattern), "f")
        family = (
            "CASE WHEN e.platform IN ('cocoa', 'native', 'c', 'objc', 'swift') THEN 'native' "
            "ELSE coalesce(e.platform, 'other') END"
        )
        inner = inner.replace("f.family", family)
        sql = f"EXISTS (SELECT 1 FROM core.frames AS f WHERE f.event_id = e.event_id AND {inner})"
    elif m.field in ("type", "value"):
        sql = (
            "EXISTS (SELECT 1 FROM core.exceptions AS x WHERE x.event_id = e.event_id "
            f"AND regexp_full_match(coalesce(x.{m.field}, ''), ?))"
        )
        params = [glob_to_regex(m.pattern)]
    elif m.field == "message":
        rx = glob_to_regex(m.pattern)
        sql = (
            "(regexp_full_match(coalesce(e.message, ''), ?) OR EXISTS (SELECT 1 FROM core.exceptions AS x "
            "WHERE x.event_id = e.event_id AND regexp_full_match(coalesce(x.value, ''), ?)))"
        )
        params = [rx, rx]
    else:
        sql, params = f"regexp_full_match(coalesce(e.{m.field}, ''), ?)", [glob_to_regex(m.pattern)]
    return (f"NOT ({sql})" if m.negated else sql), params


def all_of(preds: list[tuple[str, list]]) -> tuple[str, list]:
    sql = " AND ".join(f"({p})" for p, _ in preds)
    return sql, [x for _, ps in preds for x in ps]
