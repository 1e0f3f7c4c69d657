"""Secret and PII scrubbing: ONE list of rules, applied in Python (`scrub_text`) or in DuckDB (`scrub_sql`).

Every rule is a regex in the common subset of RE2 (DuckDB) and Python `re`: no look-around, no
back-references in the pattern; `\\1` in the replacement refers to group 1 in both. Placeholders are typed
(`<secret:jwt>`, `<pii:email>` ...) and contain neither `"` nor `\\`, so scrubbing the text of a JSON
document leaves it valid JSON.

How a text is scrubbed (the same steps in Python and SQL, so both give the same result):
1. ONE regex pass with all rules joined as an alternation (`ANY_SECRET`, capture groups made
   non-capturing so RE2 can stay on its DFA) finds every match, leftmost-first: where two rules could
   start at the same place the earlier rule wins, so field rules (which take the whole value whatever it
   looks like) beat token shapes, and token shapes beat PII.
2. Each distinct match (a short string) gets its placeholder by running the rules in order on it alone
   (`redact`); a match no rule rewrites alone becomes `<secret:redacted>`.
3. Every occurrence of each match is replaced, longest match first.
One pass over the text instead of one per rule is what makes ingest fast: the text is megabytes, the
matches a few bytes. Step 3 may also hide a copy of a secret that no rule would have matched on its own
(e.g. a bare password repeated elsewhere in the text): over-scrubbing, by design.

Known limits (documented, not hidden): a password value containing a quote or backslash is cut at
that character; the card rule only knows the common issuer prefixes (Visa, Mastercard, Amex,
Discover), and a card-shaped number whose Luhn check digit is wrong is kept (not a card); emails inside `scheme://user@host` URLs are hidden as
basic-auth or email, whichever matches first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FIELD_KEYS = (
    r"(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key"
    r"|client[_-]?secret|credentials?|auth[_-]?token|session[_-]?id|cookie)"
)
FALLBACK_PLACEHOLDER = "<secret:redacted>"


@dataclass(frozen=True)
class ScrubRule:
    name: str
    pattern: str  # RE2/Python common subset; may start with (?i)
    replacement: str  # may use \1 for group 1


SCRUB_RULES: tuple[ScrubRule, ...] = (
    ScrubRule(
        "private_key",
        r"-----BEGIN[A-Z ]*PRIVATE KEY( BLOCK)?-----[A-Za-z0-9+/=\s\\]*(?:-----END[A-Z ]*PRIVATE KEY( BLOCK)?-----)?",
        "<secret:private_key>",
    ),
    ScrubRule("jwt", r"eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*", "<secret:jwt>"),
    ScrubRule(
        "url_credentials", r"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s:@\"'\\<>]+:[^/\s@\"'\\<>]+@", r"\1<secret:basic_auth>@"
    ),
    # "password": "...", 'token': '...', \"api_key\": \"...\" (JSON, Python reprs, JSON inside JSON strings)
    ScrubRule(
        "password_field",
        r"(?i)([\"'][\w.-]*" + _FIELD_KEYS + r"[\w.-]*\\?[\"']\s*:\s*\\?[\"'])(?:'[^'\"\\]*'|[^\"'\\]*)",
        r"\1<secret:password>",
    ),
    # password=..., api_key=... in text, query strings and DSNs
    ScrubRule("password_kv", r"(?i)(\b[\w.-]*" + _FIELD_KEYS + r"[\w.-]*=)[^\s&\"',;<>\\]+", r"\1<secret:password>"),
    # token='...', password = "...", api_key: "..." in code and config (context lines, messages); in raw
    # JSON text the quotes are escaped (\"), the optional backslash takes that. The value stops at a quote or
    # backslash, so a JSON string is never cut open.
    ScrubRule(
        "password_quoted",
        r"(?i)(\b[\w.-]*" + _FIELD_KEYS + r"[\w.-]*\s*[=:]\s*\\?[\"'])[^\"'\\]+",
        r"\1<secret:password>",
    ),
    ScrubRule("basic_auth", r"(?i)\b(basic\s+)[A-Za-z0-9+/]{8,}={0,2}", r"\1<secret:basic_auth>"),
    ScrubRule("bearer", r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}", r"\1<secret:bearer>"),
    ScrubRule("aws_key", r"\b(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA)[0-9A-Z]{16}\b", "<secret:aws_key>"),
    ScrubRule(
        "api_key",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}|xox[abposr]-[A-Za-z0-9-]{10,}"
        r"|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35}|sk-ant-[A-Za-z0-9_-]{20,}"
        r"|sk-(?:proj-)?[A-Za-z0-9_-]{20,})",
        "<secret:api_key>",
    ),
    ScrubRule(
        "card",
        r"\b(?:(?:4\d{3}|5[1-5]\d{2}|2[2-7]\d{2}|6011|65\d{2})(?:\d{12}|(?:-\d{4}){3}|(?: \d{4}){3})"
        r"|3[47]\d{2}(?:\d{11}|-\d{6}-\d{5}| \d{6} \d{5}))\b",
        "<pii:card>",
    ),
    ScrubRule("email", r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b", "<pii:email>"),
)


def _non_capturing(pattern: str) -> str:
    """`pattern` with every capture group made non-capturing and a leading (?i) scoped to it: it can then
    be one branch of an alternation, and RE2 finds whole matches on its fast DFA (no submatches)."""
    if pattern.startswith("(?i)"):
        pattern = "(?i:" + pattern[4:] + ")"
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        elif char == "[":  # a character class: copied as is (a `(` inside is a literal)
            j = i + 2 if pattern[i + 1 : i + 2] == "]" else i + 1
            while pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            out.append(pattern[i : j + 1])
            i = j + 1
        elif char == "(" and pattern[i + 1 : i + 2] != "?":
            out.append("(?:")
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


ANY_SECRET = "|".join(f"(?:{_non_capturing(rule.pattern)})" for rule in SCRUB_RULES)
_ANY = re.compile(ANY_SECRET)
_COMPILED = tuple((re.compile(rule.pattern), rule.replacement) for rule in SCRUB_RULES)


_CARD_SHAPE = re.compile(next(rule.pattern for rule in SCRUB_RULES if rule.name == "card"))


def luhn_ok(number: str) -> bool:
    """The Luhn check digit of a card number (separators ignored)."""
    total = 0
    for i, char in enumerate(reversed([c for c in number if c.isdigit()])):
        digit = int(char)
        total += (digit * 2 - 9 if digit > 4 else digit * 2) if i % 2 else digit
    return total % 10 == 0


def redact(match: str) -> str:
    """The placeholder text for one match of ANY_SECRET: the rules applied in order to it alone. A
    card-shaped number whose Luhn digit is wrong (an order id, a timestamp) is not a card: kept as is."""
    if _CARD_SHAPE.fullmatch(match) and not luhn_ok(match):
        return match
    out = match
    for regex, replacement in _COMPILED:
        out = regex.sub(replacement, out)
    return out if out != match else FALLBACK_PLACEHOLDER


def _longest_first(matches) -> list[str]:
    # the same order as the SQL: (-length, text); UTF-8 byte order equals code point order
    return sorted(set(matches), key=lambda m: (-len(m.encode("utf-8", "surrogatepass")), m))


def scrub_text(s: str | None) -> str | None:
    """Replace every secret/PII match in `s` by its typed placeholder (None stays None)."""
    if not s:
        return s
    for match in _longest_first(m.group() for m in _ANY.finditer(s)):
        s = s.replace(match, redact(match))
    return s


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _luhn_sql(arg: str) -> str:
    """SQL twin of `luhn_ok` (digits counted from the right, every second one doubled)."""
    digit = "CAST(_hs_d[length(_hs_d) - _hs_i] AS INTEGER)"
    return (
        f"list_transform([regexp_replace({arg}, '[^0-9]', '', 'g')], lambda _hs_d: "
        f"list_sum(list_transform(range(length(_hs_d)), lambda _hs_i: CASE WHEN _hs_i % 2 = 1 "
        f"THEN {digit} * 2 - CASE WHEN {digit} > 4 THEN 9 ELSE 0 END ELSE {digit} END)) % 10 = 0)[1]"
    )


def _redact_sql(arg: str) -> str:
    out = arg
    for rule in SCRUB_RULES:
        out = f"regexp_replace({out}, {_sql_literal(rule.pattern)}, {_sql_literal(rule.replacement)}, 'g')"
    placeholder = (
        f"list_transform([{out}], lambda _hs_r: CASE WHEN _hs_r = {arg} THEN {_sql_literal(FALLBACK_PLACEHOLDER)} "
        "ELSE _hs_r END)[1]"
    )
    card = _sql_literal(_CARD_SHAPE.pattern)
    return f"CASE WHEN regexp_full_match({arg}, {card}) AND NOT {_luhn_sql(arg)} THEN {arg} ELSE {placeholder} END"


# A column or struct-field reference (`message`, `f."Content"`): cheap to repeat, so it needs no binding.
_REFERENCE = re.compile(r'[A-Za-z_]\w*(?:\.(?:[A-Za-z_]\w*|"[^"]+"))*')


def scrub_sql(expr: str) -> str:
    """A DuckDB SQL expression scrubbing the VARCHAR expression `expr`, equal to `scrub_text`.

    Rows without any match cost one regexp_matches pass and nothing else (a CASE: the list work runs only
    on the rows that match). A column reference is used as it is; any other expression is bound once
    through a one-element-list lambda, so it is evaluated once (that binding costs about as much as the
    regex pass on short values, hence not for plain columns). Lambda parameters are prefixed `_hs_` so
    they never shadow a column of the caller's query."""
    if _REFERENCE.fullmatch(expr):
        return _scrub_value_sql(expr)
    return f"list_transform([{expr}], lambda _hs_x: {_scrub_value_sql('_hs_x')})[1]"


def _scrub_value_sql(value: str) -> str:
    any_secret = _sql_literal(ANY_SECRET)
    ordered = (
        f"list_transform(list_sort(list_distinct(list_transform(regexp_extract_all({value}, {any_secret}), "
        "lambda _hs_m: {'k': -strlen(_hs_m), 'm': _hs_m}))), lambda _hs_s: _hs_s.m)"
    )
    replaced = f"list_reduce({ordered}, lambda _hs_acc, _hs_m: replace(_hs_acc, _hs_m, {_redact_sql('_hs_m')}), {value})"
    return f"CASE WHEN regexp_matches({value}, {any_secret}) THEN {replaced} ELSE {value} END"
