"""Secret and PII scrubbing: ONE list of rules, applied in Python (`scrub_text`) or in DuckDB (`scrub_sql`).

Every rule is a regex in the common subset of RE2 (DuckDB `regexp_replace`) and Python `re`: no
look-around, no back-references in the pattern; `\\1` in the replacement refers to group 1 in both.
Placeholders are typed (`<secret:jwt>`, `<pii:email>` ...) and contain neither `"` nor `\\`, so
scrubbing the text of a JSON document leaves it valid JSON. Order matters: field rules first (they
replace the whole value whatever it looks like), then token shapes, then PII.

Known limits (documented, not hidden): a password value containing a quote or backslash is cut at
that character; the card rule only knows the common issuer prefixes (Visa, Mastercard, Amex,
Discover) and does not check the Luhn digit; emails inside `scheme://user@host` URLs are hidden as
basic-auth or email, whichever matches first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FIELD_KEYS = (
    r"(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key"
    r"|client[_-]?secret|credentials?|auth[_-]?token|session[_-]?id|cookie)"
)

# Literals (any case), one of which any match of a case-insensitive rule contains: one regex pass decides
# whether the whole case-insensitive group runs.
_CI_GUARDS = (
    "passw", "passwd", "passphrase", "pwd", "secret", "token", "api_key", "api-key", "apikey", "access_key", "access-key", "accesskey",
    "private_key", "private-key", "privatekey", "credential", "session", "cookie", "basic", "bearer",
)


@dataclass(frozen=True)
class ScrubRule:
    name: str
    pattern: str  # RE2/Python common subset
    replacement: str  # may use \1 for group 1
    # Literal substrings, one of which every match contains (case-sensitive). In SQL the regex only runs
    # on rows containing one of them: a cheap memchr-speed test instead of a full regex pass. () = always.
    guards: tuple[str, ...] = ()
    # Case-insensitive rule: consecutive such rules run together, only on rows whose text contains one
    # of _CI_GUARDS in any case.
    ci_group: bool = False
    # Optional regex every match contains, starting with a literal (RE2 then skips ahead with memchr):
    # in SQL the rule only runs on rows it matches, e.g. `://user:pw@` for url_credentials, which saves a
    # full regex pass on the many rows holding URLs without credentials. Python ignores it (same result).
    prefilter: str | None = None


SCRUB_RULES: tuple[ScrubRule, ...] = (
    ScrubRule(
        "private_key",
        r"-----BEGIN[A-Z ]*PRIVATE KEY( BLOCK)?-----[A-Za-z0-9+/=\s\\]*(?:-----END[A-Z ]*PRIVATE KEY( BLOCK)?-----)?",
        "<secret:private_key>",
        ("PRIVATE KEY",),
    ),
    ScrubRule("jwt", r"eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*", "<secret:jwt>", ("eyJ",)),
    ScrubRule(
        "url_credentials",
        r"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s:@\"'\\<>]+:[^/\s@\"'\\<>]+@",
        r"\1<secret:basic_auth>@",
        ("://",),
        prefilter=r"://[^/\s:@\"'\\<>]+:[^/\s@\"'\\<>]+@",
    ),
    # "password": "...", 'token': '...', \"api_key\": \"...\" (JSON, Python reprs, JSON inside JSON strings)
    ScrubRule(
        "password_field",
        r"(?i)([\"'][\w.-]*" + _FIELD_KEYS + r"[\w.-]*\\?[\"']\s*:\s*\\?[\"'])(?:'[^'\"\\]*'|[^\"'\\]*)",
        r"\1<secret:password>",
        ci_group=True,
    ),
    # password=..., api_key=... in text, query strings and DSNs
    ScrubRule(
        "password_kv",
        r"(?i)(\b[\w.-]*" + _FIELD_KEYS + r"[\w.-]*=)[^\s&\"',;<>\\]+",
        r"\1<secret:password>",
        ci_group=True,
    ),
    ScrubRule("basic_auth", r"(?i)\b(basic\s+)[A-Za-z0-9+/]{8,}={0,2}", r"\1<secret:basic_auth>", ci_group=True),
    ScrubRule("bearer", r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}", r"\1<secret:bearer>", ci_group=True),
    ScrubRule(
        "aws_key", r"\b(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA)[0-9A-Z]{16}\b", "<secret:aws_key>",
        ("AKIA", "ASIA", "ABIA", "ACCA", "AROA", "AIDA"),
    ),
    ScrubRule(
        "api_key",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}|xox[abposr]-[A-Za-z0-9-]{10,}"
        r"|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35}|sk-ant-[A-Za-z0-9_-]{20,}"
        r"|sk-(?:proj-)?[A-Za-z0-9_-]{20,})",
        "<secret:api_key>",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "sk_", "rk_", "AIza", "sk-"),
    ),
    ScrubRule(
        "card",
        r"\b(?:(?:4\d{3}|5[1-5]\d{2}|2[2-7]\d{2}|6011|65\d{2})(?:\d{12}|(?:-\d{4}){3}|(?: \d{4}){3})"
        r"|3[47]\d{2}(?:\d{11}|-\d{6}-\d{5}| \d{6} \d{5}))\b",
        "<pii:card>",
    ),
    ScrubRule("email", r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b", "<pii:email>", ("@",)),
)

_COMPILED = tuple((re.compile(rule.pattern), rule.replacement) for rule in SCRUB_RULES)


def scrub_text(s: str | None) -> str | None:
    """Replace every secret/PII match in `s` by its typed placeholder (None stays None)."""
    if not s:
        return s
    for regex, replacement in _COMPILED:
        s = regex.sub(replacement, s)
    return s


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _regexp(rule: ScrubRule, arg: str) -> str:
    return f"regexp_replace({arg}, {_sql_literal(rule.pattern)}, {_sql_literal(rule.replacement)}, 'g')"


def scrub_sql(expr: str) -> str:
    """A DuckDB SQL expression applying SCRUB_RULES to the VARCHAR expression `expr`.

    Nested `regexp_replace(..., 'g')` in rule order, so the result equals `scrub_text`. A guarded rule
    runs only where one of its literals occurs. The guard needs the text twice, so each guarded layer
    binds it once through a one-element-list lambda (keeps the SQL linear in the number of rules).
    """
    out, i, rules = expr, 0, SCRUB_RULES
    while i < len(rules):
        rule = rules[i]
        if rule.ci_group:
            group = []
            while i < len(rules) and rules[i].ci_group:
                group.append(rules[i])
                i += 1
            chain = "x"
            for r in group:
                chain = _regexp(r, chain)
            lowered = f"regexp_matches(x, {_sql_literal('(?i)' + '|'.join(_CI_GUARDS))})"
            out = f"list_transform([{out}], lambda x: CASE WHEN {lowered} THEN {chain} ELSE x END)[1]"
            continue
        if rule.guards or rule.prefilter:
            test = " OR ".join(f"contains(x, {_sql_literal(g)})" for g in rule.guards) or "true"
            if rule.prefilter:
                test = f"({test}) AND regexp_matches(x, {_sql_literal(rule.prefilter)})"
            out = f"list_transform([{out}], lambda x: CASE WHEN {test} THEN {_regexp(rule, 'x')} ELSE x END)[1]"
        else:
            out = _regexp(rule, out)
        i += 1
    return out
