"""Token typing: the variables every log shares, recognised the same way whatever system wrote it.

The template miner first replaces every typed variable of a message by `<*>` (vectorised Polars regexes,
no per-line Python). The types are defined by their *shape*, never by a system's vocabulary, and each
has look-alikes that stay constant (the tests hold one set per type):

| type | examples masked | look-alikes kept |
|---|---|---|
| url | `https://x.io/a?id=3`, `hdfs://nn:9000/tmp` | `https`, `scheme:` |
| quoted value (key="...") | `tag="View Lock"`, `name='a b'` | `a == b`, `"quoted"` without a key |
| colon groups (IPv6, MAC, times; one group has a digit) | `fe80::1ff:fe23:4567:890a`, `00:1b:44:11:3a:b7`, `17:41:44` | `Foo::bar`, `CCFile::captureLog`, `a:b:c` |
| host:port | `proxy.cse.cuhk.edu.hk:5070`, `10.0.0.1:50010`, `localhost:8080` | `state:RUNNING`; in `onExtend:1514` only the number goes |
| number with unit (sizes, durations) | `1.16 KB`, `403 B`, `<1 sec`, `12 ms`, `5 seconds`, `80%` | `KB`, `ms`, `seconds`; `ssh2` in `port 22 ssh2`, `sshd` in `5 sshd` |
| id run (numbers, hex, ids, paths with ids) | `42`, `-3.5e2`, `0x7ffe`, `blk_-1608`, `node-160`, `a64f992`, `/10.0.0.1`, `/v2/54fa/servers`, UUIDs, dates | `ssh2`, `en0`, `IPv6`, `log4j`, `sha256`, `md5`, `x86`, `ee0` |
| month / weekday name | `Jun`, `Mon` | `Monitor`, `June` |

An *id run* is a delimiter-bounded run (delimiters: whitespace and `=,;:()[]{}|"'<>`) that starts with a
digit, or contains a digit and a non-alphanumeric character (`_ - . / \\ @ # ...`), or has four digits in
a row, or is a hex word with at least two digits. A plain word with a short number in it (`ssh2`, `en0`,
`CI46`) is a name, not a value: whether it varies is left to the grouping (which sees its frequency).
After typing, runs of adjacent variables (`<*> <*>`, `<*>, <*>`, `<*>:<*>`) become one `<*>`: a list
of values of any length is one parameter.
"""

from __future__ import annotations

import functools

import polars as pl

WILDCARD = "<*>"
_WS = r" \t\r\n\f\v"  # ASCII whitespace: a much smaller automaton than Unicode \s, so every pass stays fast
DELIMITERS = _WS + r"=,;:()\[\]{}|\"'<>"
_RUN = f"[^{DELIMITERS}]"  # a character of a delimiter-bounded run
_SEP = f"[^{DELIMITERS}A-Za-z0-9]"  # a run character that is not alphanumeric: _ - . / \ @ # ...
_HEX = "[0-9A-Fa-f]"
_B = r"(?-u:\b)"  # ASCII word boundary: keeps the regexes on the DFA (no look-around, no captures)
_UNITS = (
    r"[KMGTPE]i?B|[KMGT]b(?:ps)?|[kKMG]B/s|B|[Bb]ytes?|ns|us|µs|ms|msecs?|s|secs?|seconds?|mins?|minutes?"
    r"|h|hrs?|hours?|days?"
)
# An id run begins where its run begins: the first three forms start with `_RUN*`, so their leftmost
# match starts at the run's first character; the last two start at a word boundary (so the `2` of
# `ssh2` starts nothing).
_ID_RUN = "|".join(
    (
        f"{_RUN}*{_SEP}{_RUN}*[0-9]{_RUN}*",  # a digit and a separator: blk_-42, node-7, 10.0.0.1, /v2/42/x
        f"{_RUN}*[0-9]{_RUN}*{_SEP}{_RUN}*",  # (separator after the digit)
        f"{_RUN}*[0-9]{{4}}{_RUN}*",  # four digits in a row: job20151018, b9000564
        f"[-+]?{_B}[0-9]{_RUN}*",  # starts with a digit: 42, -3.5e2, 0x7ffe, 2nd
        f"{_B}[A-Fa-f]{_HEX}*[0-9]{_HEX}*[0-9]{_HEX}*{_B}",  # a hex word with two digits: a64f992
    )
)

# Three or more hex groups joined by `:` or `::` (IPv6, MAC, hh:mm:ss), one of them with a digit (so
# `Foo::bar` and `a:b:c` stay): the digit group D has 2+ groups before it, 1 on each side, or 2+ after.
_G, _D = f"{_HEX}{{1,4}}", f"{_HEX}{{0,3}}[0-9]{_HEX}{{0,3}}"
_COLON_GROUPS = f"{_B}(?:(?:{_G}::?){{2,7}}{_D}(?:::?{_G})*|{_G}::?{_D}(?:::?{_G})+|{_D}(?:::?{_G}){{2,7}}){_B}"

# (type name, regex, replacement), applied in this order.
TYPES: tuple[tuple[str, str, str], ...] = (
    ("url", rf"{_B}[A-Za-z][A-Za-z0-9+.\-]*://[^{_WS}\"'<>()\[\]{{}}]+", WILDCARD),
    ("quoted_value", r"=(?:\"[^\"\n]*\"|'[^'\n]*')", "=" + WILDCARD),
    ("colon_groups", _COLON_GROUPS, WILDCARD),
    ("host_port", rf"{_B}(?:[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+|localhost):[0-9]{{1,5}}{_B}", WILDCARD),
    ("number_with_unit", rf"(?:[<>~]=? ?)?-?{_B}[0-9]+(?:\.[0-9]+)? ?(?:(?:{_UNITS}){_B}|%)", WILDCARD),
    ("id_run", _ID_RUN, WILDCARD),
    ("month_or_day", rf"{_B}(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec){_B}", WILDCARD),
)
_COLLAPSE = r"<\*>(?:[ \t,;:.\-/]*<\*>)+"
MAX_CHARS = 2000  # longer messages are cut before typing (bounded work per line)


def _combined() -> str:
    """Every type that becomes a bare `<*>`, as ONE alternation in the order of TYPES (one pass over the
    text instead of one per type; at each position the first type that matches wins, as in order)."""
    return "|".join(f"(?:{regex})" for _, regex, replacement in TYPES if replacement == WILDCARD)


_PASSES = (
    *((regex, replacement) for _, regex, replacement in TYPES if replacement != WILDCARD),
    (_combined(), WILDCARD),
    (_COLLAPSE, WILDCARD),
)


def mask_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised typing of a message column into its pattern: typed variables → `<*>`, then runs of
    variables → one `<*>`. Whitespace is left as it is: the tokenizer splits on any run of it."""
    e = expr.fill_null("").str.slice(0, MAX_CHARS)
    for regex, replacement in _PASSES:
        e = e.str.replace_all(regex, replacement)
    return e


@functools.lru_cache(maxsize=4096)
def mask(text: str) -> str:
    """`mask_expr` applied to one string (tests, explanations); the miner works on columns."""
    return pl.select(mask_expr(pl.lit(text, dtype=pl.Utf8))).item()
