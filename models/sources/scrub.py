"""Secret and PII scrubbing: ONE policy for every text that enters or leaves Hindsight.

The rules (what is a secret, in which order) are in `scrub_rules.py`; this module applies them, in
Python (`scrub_text`, `scrub_texts`, `scrub_json`) or in DuckDB SQL (`scrub_sql`, `scrub_pairs_sql` +
`apply_pairs_sql`), with the same result. A record is scrubbed in four steps:

1. FIND: one regex pass with every rule joined as one alternation (`ANY_SECRET`, groups made
   non-capturing so RE2 stays on its DFA) lists the matches, leftmost-first. In SQL this is
   `regexp_extract_all`, in Python `re.findall`: the only step each engine does on its own.
2. JUDGE (`secret_pairs`, Python; SQL calls the same function as the UDF `hs_secret_pairs`, installed
   on a connection by `install_scrub`): each distinct match is matched again against the rules alone to
   learn its rule, its secret part and the placeholder. A match its rule's check rejects (a wrong check
   digit, a `mobile` field holding "yes") is kept, and only what the other rules find inside it counts.
3. PROPAGATE: a secret value found anywhere in the record is replaced wherever else it occurs in that
   record, any field, any depth, with the encodings that are cheap to see: URL-encoded (`%40`, `+`),
   JSON-escaped (`\\/`), base64; for credentials `user:password`, the password alone and base64 of the
   pair (what a Basic header carries); for a Basic header, the decoded pair and its password. So a
   password in `vars.password` also hides the same value in `vars.key` and in the message. Values shorter
   than 6 characters, common words (`undefined`, `production` ...), and digit-only values are not
   propagated (see `worth_propagating`): they would eat evidence, and a bare number may sit in a JSON
   number position where a placeholder would break the document.
4. APPLY: the (find, replace) pairs, longest first, by plain string replacement.

The judging work is per distinct match (a few bytes) and cached, so scanning stays one regex pass over
the text; the text itself never crosses into Python in SQL. Placeholders are typed (`<secret:jwt>`,
`<pii:email>` ...) and contain neither `"` nor `\\`, so scrubbing the text of a JSON document leaves it
valid JSON (a bare number replaced in a JSON value position gets a quoted placeholder).

Known limits (documented, not hidden): a value containing a quote or backslash is cut there; card
numbers are the common issuer prefixes; national id numbers only where a check digit makes the shape
safe (Spanish DNI/NIE, Brazilian CPF, Italian codice fiscale, Finnish HETU, Swedish personnummer, Indian
Aadhaar, Chinese resident id) or under a field name (`ssn`, `national_id` ...); phone numbers in
international `+` form or the North American `(415) 555-0132` form, or under a field name.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import weakref
from collections.abc import Iterable, Sequence
from urllib.parse import quote, quote_plus, unquote

import duckdb
import pyarrow as pa

from models.sources.scrub_checks import luhn_ok  # noqa: F401 - re-exported (tests, attribution)
from models.sources.scrub_rules import PLACEHOLDERS, SCRUB_RULES, ScrubRule, basic_credentials
from models.warehouse import sql_literal

FALLBACK_PLACEHOLDER = "<secret:redacted>"
UDF_NAME = "hs_secret_pairs"
MIN_PROPAGATE = 6
_GROUP_NAME = re.compile(r"\(\?P<(\w+)>")
_PAIR_TYPE = pa.list_(pa.struct([("f", pa.string()), ("r", pa.string())]))


def _non_capturing(pattern: str) -> str:
    """`pattern` with every group (named or not) made non-capturing and a leading (?i) scoped to it: it
    can then be one branch of an alternation, and RE2 finds whole matches on its fast DFA."""
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
        elif pattern.startswith("(?P<", i):
            out.append("(?:")
            i = pattern.index(">", i) + 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _any_of(rules: Iterable[tuple[int, ScrubRule]]) -> str:
    return "|".join(f"(?:{_non_capturing(rule.pattern)})" for _, rule in rules)


ANY_SECRET = _any_of(enumerate(SCRUB_RULES))
_ANY = re.compile(ANY_SECRET, re.ASCII)


def _named(i: int, pattern: str) -> str:
    """The rule's pattern with its named groups renamed `v<i>`/`k<i>` and the scope of (?i) kept."""
    if pattern.startswith("(?i)"):
        pattern = "(?i:" + pattern[4:] + ")"
    return _GROUP_NAME.sub(lambda m: f"(?P<{m.group(1)}{i}>", pattern)


@functools.cache
def _identifier(excluded: frozenset[int]) -> re.Pattern:
    """One regex naming which rule a match belongs to: group `r<i>` of the first rule matching it whole."""
    parts = [f"(?P<r{i}>{_named(i, rule.pattern)})" for i, rule in enumerate(SCRUB_RULES) if i not in excluded]
    return re.compile("|".join(parts), re.ASCII)


@functools.cache
def _finder(excluded: frozenset[int]) -> re.Pattern:
    return re.compile(_any_of((i, r) for i, r in enumerate(SCRUB_RULES) if i not in excluded), re.ASCII)


_STOP_WORDS = frozenset({
    "undefined", "production", "staging", "development", "default", "changeme", "password", "username",
    "redacted", "filtered", "secret", "token", "bearer", "localhost", "example", "unknown", "disabled",
    "enabled", "anonymous",
})
_PLACEHOLDER_TEXT = "\n".join(sorted(PLACEHOLDERS))


def worth_propagating(value: str) -> bool:
    """A value is hunted through the whole record only when it is distinctive: at least 6 characters,
    not only digits, not a common word, not a piece of a placeholder, and with a digit, a symbol, mixed
    case or at least 12 characters."""
    if len(value) < MIN_PROPAGATE or value.isdigit() or value.lower() in _STOP_WORDS:
        return False
    if "<secret:" in value or "<pii:" in value or value in _PLACEHOLDER_TEXT:  # a piece of a placeholder
        return False
    return (any(c.isdigit() for c in value) or not value.isalnum() or len(value) >= 12
            or (value.lower() != value and value.upper() != value))


def _b64(value: str) -> set[str]:
    raw = value.encode("utf-8")
    std, url = base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()
    return {std, url, std.rstrip("="), url.rstrip("=")}


_KEY_LINES = re.compile(r"(?:\\+[nrt]|\s)+")
_CREDENTIAL_RULES = frozenset({"url_credentials", "password_field", "pair_field", "password_kv", "password_quoted",
                               "password_colon", "basic_auth"})


def _variants(rule: ScrubRule, value: str, key: str) -> list[str]:
    """The value and its cheap encodings, as they may appear elsewhere in the record: URL-encoded and
    JSON-escaped always; base64 for credentials (a password, a `user:password` pair as a Basic header
    carries it)."""
    base = {value}
    if rule.name == "url_credentials":
        password = value.partition(":")[2]
        base |= {password, unquote(password), unquote(value)}
    elif rule.name == "basic_auth" or (rule.name.startswith("authorization") and key.lower() == "basic"):
        pair = basic_credentials(value)
        if pair:
            base |= {pair, pair.partition(":")[2]}
    elif rule.name == "private_key":  # each line of the key body, wherever it is quoted alone
        base = {part for part in _KEY_LINES.split(value) if len(part) >= 16}
    elif rule.name.startswith("cookie"):  # each cookie's value: `Cookie: a=1; b=2`
        base |= {c.partition("=")[2].strip() for c in value.split(";") if "=" in c}
    elif rule.name == "webhook":
        base.add(value.rstrip("/").rsplit("/", 1)[-1])
    out = set()
    for v in base:
        out |= {v, quote(v, safe=""), quote_plus(v), v.replace("/", "\\/")}
        if "%" in v:
            out.add(unquote(v))
        if rule.name in _CREDENTIAL_RULES or ":" in v:
            out |= _b64(v)
    return [v for v in out if worth_propagating(v)]


@functools.lru_cache(maxsize=65536)
def _match_pairs(match: str, excluded: frozenset[int] = frozenset()) -> tuple[tuple[str, str], ...]:
    """(find, replace) pairs for one match of the find step: the match with its secret part replaced,
    plus the secret value and its encodings for propagation. Empty when the match is not a secret."""
    m = _identifier(excluded).fullmatch(match)
    if m is None:
        return ((match, FALLBACK_PLACEHOLDER),)
    i = int(m.lastgroup[1:])
    rule = SCRUB_RULES[i]
    has_value = f"v{i}" in m.re.groupindex and m.group(f"v{i}") is not None
    start, end = m.span(f"v{i}") if has_value else (0, len(match))
    key = (m.group(f"k{i}") if f"k{i}" in m.re.groupindex else None) or ""
    value = match[start:end]
    placeholder = None
    if rule.narrow is not None:
        span = rule.narrow(value)
        if span is not None:
            start, end = start + span[0], start + span[1]
            value = match[start:end]
            placeholder = rule.judge(value, key)
    else:
        placeholder = rule.judge(value, key)
    if placeholder is None:  # not a secret: what the other rules find inside it
        return _inner_pairs(match, excluded | {i})
    if not value.strip(" \t\r\n\\"):  # nothing but a marker (a key's BEGIN line whose body is elsewhere)
        return ()
    shown = placeholder
    if rule.quoted:  # a bare JSON number: a JSON string in its place (escaped when the JSON is in a string)
        quote_mark = '\\"' if "\\" in match[:start] else '"'
        shown = quote_mark + placeholder + quote_mark
    pairs = [(match, match[:start] + shown + match[end:])]
    if not rule.quoted:
        pairs += [(v, placeholder) for v in _variants(rule, value, key) if v != match]
    return tuple(pairs)


def _inner_pairs(text: str, excluded: frozenset[int]) -> tuple[tuple[str, str], ...]:
    if len(excluded) >= len(SCRUB_RULES):
        return ()
    pairs: list[tuple[str, str]] = []
    for sub in _finder(excluded).findall(text):
        pairs += _match_pairs(sub, excluded)
    return tuple(pairs)


def _ordered(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Distinct finds, longest first (UTF-8 length, then text), the first replacement of each kept."""
    chosen: dict[str, str] = {}
    for find, replace in pairs:
        if find and find != replace:
            chosen.setdefault(find, replace)
    return sorted(chosen.items(), key=lambda p: (-len(p[0].encode("utf-8", "surrogatepass")), p[0]))


@functools.lru_cache(maxsize=8192)
def _pairs_of(matches: tuple[str, ...], personal: bool) -> tuple[tuple[str, str], ...]:
    pairs = [p for m in matches for p in _match_pairs(m)]
    if not personal:
        pairs = [p for p in pairs if "<pii:" not in p[1]]
    return tuple(_ordered(pairs))


def secret_pairs(matches: Iterable[str], *, personal: bool = True) -> list[tuple[str, str]]:
    """The (find, replace) pairs of one record, from the matches of the find step (any order, repeats
    allowed), longest find first. `personal=False`: secrets only, personal data kept (author fields)."""
    return list(_pairs_of(tuple(sorted(set(matches))), personal))


def apply_pairs(text: str | None, pairs: Sequence[tuple[str, str]]) -> str | None:
    if not text:
        return text
    for find, replace in pairs:
        text = text.replace(find, replace)
    return text


def scrub_text(s: str | None, *, personal: bool = True) -> str | None:
    """`s` with every secret (and, unless `personal=False`, personal data) replaced by its typed
    placeholder, values propagated within the text (None stays None)."""
    if not s:
        return s
    matches = _ANY.findall(s)
    return apply_pairs(s, secret_pairs(matches, personal=personal)) if matches else s


def scrub_texts(texts: Sequence[str | None], *, personal: bool = True) -> list[str | None]:
    """Several fields of ONE record: a secret found in any of them is replaced in all of them."""
    matches = [m for t in texts if t for m in _ANY.findall(t)]
    if not matches:
        return list(texts)
    pairs = secret_pairs(matches, personal=personal)
    return [apply_pairs(t, pairs) for t in texts]


def scrub_record(full: Sequence[str | None], secrets_only: Sequence[str | None] = ()) -> tuple[list, list]:
    """ONE record whose `full` fields get the whole policy and whose `secrets_only` fields (identities:
    commit author and committer, repository paths) keep personal data but lose secrets; a secret found in
    any field is replaced in all of them, and the identities' own personal data (the author's address
    quoted in the message) is kept wherever it occurs in the record."""
    kept = [m for t in secrets_only if t for m in _ANY.findall(t)]
    matches = [m for t in full if t for m in _ANY.findall(t)] + kept
    if not matches:
        return list(full), list(secrets_only)
    pairs = secret_pairs(matches)
    secret = [p for p in pairs if "<pii:" not in p[1]]
    identities = {p[0] for p in secret_pairs(kept) if "<pii:" in p[1]}
    pairs = [p for p in pairs if p[0] not in identities]
    return [apply_pairs(t, pairs) for t in full], [apply_pairs(t, secret) for t in secrets_only]


def scrub_fragments(texts: Sequence[str | None]) -> list[str | None]:
    """Texts that may be pieces of one record (quarantined lines of a broken record, each already
    scrubbed alone): what only the pieces read together reveal (a key whose BEGIN line, body and END line
    were split) is replaced in every piece."""
    joined = "\n".join(t or "" for t in texts)
    crossing = [m for m in _ANY.findall(joined) if "\n" in m]
    if not crossing:
        return list(texts)
    pairs = secret_pairs(crossing)
    return [apply_pairs(t, pairs) for t in texts]


def scrub_json(value):
    """A JSON-like value (dicts, lists, strings ...) scrubbed as ONE record: keys and values, any depth."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    scrubbed = scrub_text(text)
    if scrubbed == text:
        return value
    try:
        return json.loads(scrubbed)
    except ValueError:  # not expected (placeholders keep JSON valid): scrub the strings one by one
        return _scrub_leaves(value, secret_pairs(_ANY.findall(text)))


def _scrub_leaves(value, pairs):
    if isinstance(value, str):
        return apply_pairs(value, pairs)
    if isinstance(value, dict):
        return {apply_pairs(str(k), pairs): _scrub_leaves(v, pairs) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_leaves(v, pairs) for v in value]
    return value


# -- SQL ------------------------------------------------------------------------------------------------


def _pairs_udf(matches: pa.Array) -> pa.Array:
    """DuckDB UDF `hs_secret_pairs(VARCHAR[])`: the pairs of each row's matches (NULL stays NULL). Rows
    of a chunk often share their matches (the same address in every event): each distinct set of
    matches is judged once, and the rows take their result by index."""
    index: dict[tuple[str, ...] | None, int] = {}
    rows = []
    for row in matches.to_pylist():
        key = None if row is None else tuple(sorted(set(row)))
        rows.append(index.setdefault(key, len(index)))
    distinct = [None if key is None else [{"f": f, "r": r} for f, r in _pairs_of(key, True)] for key in index]
    return pa.array(distinct, type=_PAIR_TYPE).take(pa.array(rows, pa.int32()))


_INSTALLED: weakref.WeakSet = weakref.WeakSet()


def install_scrub(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Make `scrub_sql` expressions runnable on `con` (installs the UDF once; repeated calls are cheap)."""
    if con in _INSTALLED:
        return con
    try:
        con.create_function(
            UDF_NAME, _pairs_udf, [duckdb.list_type("VARCHAR")],
            duckdb.list_type(duckdb.struct_type({"f": "VARCHAR", "r": "VARCHAR"})), type="arrow",
            side_effects=False,
        )
    except (duckdb.NotImplementedException, duckdb.CatalogException) as exc:
        if "already" not in str(exc):
            raise
    _INSTALLED.add(con)
    return con



_ANY_SQL = sql_literal(ANY_SECRET)
# A column or struct-field reference (`message`, `f."Content"`): cheap to repeat, so it needs no binding.
_REFERENCE = re.compile(r'[A-Za-z_]\w*(?:\.(?:[A-Za-z_]\w*|"[^"]+"))*')


def scrub_sql(expr: str) -> str:
    """A DuckDB SQL expression scrubbing the VARCHAR expression `expr`, equal to `scrub_text` (the
    connection needs `install_scrub`). For short texts (excerpts, single fields); a hot path over big
    texts uses `find_sql` and `scrub_found_sql` in two steps of a query, which saves a pass.

    Rows without any match cost one regexp_matches pass and nothing else (a CASE: the rest runs only on
    the rows that match). A column reference is used as it is; any other expression is bound once through
    a one-element-list lambda, so it is evaluated once. Lambda parameters are prefixed `_hs_` so they
    never shadow a column of the caller's query."""
    if _REFERENCE.fullmatch(expr):
        return _scrub_value_sql(expr)
    return f"list_transform([{expr}], lambda _hs_x: {_scrub_value_sql('_hs_x')})[1]"


def _scrub_value_sql(value: str) -> str:
    pairs = f"{UDF_NAME}(regexp_extract_all({value}, {_ANY_SQL}))"
    return f"CASE WHEN regexp_matches({value}, {_ANY_SQL}) THEN {_reduce_sql(value, pairs)} ELSE {value} END"


def _reduce_sql(value: str, pairs: str) -> str:
    """The pairs that occur in `value` (a memmem each), replaced in order: a propagated variant that is
    not in this text costs no copy of it."""
    present = f"list_filter({pairs}, lambda _hs_q: contains({value}, _hs_q.f))"
    return f"list_reduce({present}, lambda _hs_acc, _hs_p: replace(_hs_acc, _hs_p.f, _hs_p.r), {value})"


def find_sql(expr: str) -> str:
    """Step 1 of the two-step form: the matches of `expr` (a list; empty when it holds no secret). One
    regex pass, the same for rows with and without a match, so no separate prefilter pass is needed."""
    return f"regexp_extract_all({expr}, {_ANY_SQL})"


def scrub_found_sql(value: str, found: str) -> str:
    """Step 2: `value` scrubbed, given `found` = its `find_sql` column (computed in an inner query)."""
    return f"CASE WHEN len({found}) = 0 THEN {value} ELSE {_reduce_sql(value, f'{UDF_NAME}({found})')} END"


def scrub_pairs_sql(exprs: Sequence[str]) -> str:
    """The pairs of ONE record made of several text expressions (NULL when none has a match): compute it
    once per row (a column of a subquery), then `apply_pairs_sql` it to every field of the record."""
    if len(exprs) == 1:  # most records hold no secret: a plain match test, no list built for them
        return f"CASE WHEN regexp_matches({exprs[0]}, {_ANY_SQL}) THEN {UDF_NAME}({find_sql(exprs[0])}) END"
    found = ", ".join(f"coalesce({find_sql(e)}, [])" for e in exprs)
    return (f"list_transform([flatten([{found}])], lambda _hs_f: CASE WHEN len(_hs_f) > 0 "
            f"THEN {UDF_NAME}(_hs_f) END)[1]")


def spanning_pairs_sql(joined: str) -> str:
    """The pairs of the matches of `joined` (several texts joined by newlines) that cross a newline: what
    only the texts read together reveal (NULL when there is none)."""
    crossing = f"list_filter({find_sql(joined)}, lambda _hs_m: contains(_hs_m, chr(10)))"
    return (f"list_transform([{crossing}], lambda _hs_c: CASE WHEN len(_hs_c) > 0 THEN {UDF_NAME}(_hs_c) END)[1]")


def apply_pairs_sql(expr: str, pairs: str) -> str:
    """`expr` with a record's pairs (from `scrub_pairs_sql`) applied; unchanged when they are NULL."""
    return f"CASE WHEN {pairs} IS NULL THEN {expr} ELSE {_reduce_sql(expr, pairs)} END"


def canonical_json_sql(expr: str) -> str:
    """JSON text with `\\uXXXX` and `\\/` escapes written out (`json()` re-serialises it), so a secret
    spelled with escapes (`alice\\u0040example.com`) is seen by the rules; other texts are left alone."""
    return (f"CASE WHEN contains({expr}, '\\u') OR contains({expr}, '\\/') "
            f"THEN coalesce(try(CAST(json({expr}) AS VARCHAR)), {expr}) ELSE {expr} END")
