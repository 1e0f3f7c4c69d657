"""Message parameterization (Sentry `parameterization.py` semantics): variable parts → `<int>`-style placeholders.

ONE list of regexes, applied in order. It is compiled into a DuckDB macro `hs_parameterize(text)` used by
the fingerprint SQL; `parameterize(text)` runs the same macro on an in-memory DuckDB, so there is a
single implementation. The regexes are RE2-compatible (no look-arounds), unlike Sentry's originals.
"""

from __future__ import annotations

import functools

import duckdb

from models.warehouse import sql_literal

_TLDS = (
    "com|net|org|io|dev|app|ai|co|edu|gov|info|biz|me|us|uk|de|fr|jp|cn|ru|nl|it|es|br|ca|au|in|eu|ch|se|no|"
    "fi|dk|pl|cz|at|be|pt|ie|nz|sg|hk|kr|tw|xyz|cloud|local|internal|svc|cluster|localdomain"
)
_MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_H4 = "[0-9a-fA-F]{1,4}"

# (placeholder name, regex) in the order Sentry applies them.
PATTERNS: tuple[tuple[str, str], ...] = (
    ("quoted_str", r"""='[^']*'|="[^"]*\""""),
    ("email", r"[a-zA-Z0-9._%+-]+@[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+"),
    ("url", r"\b(?:https?|wss?|ftp)://[^\s]+"),
    ("hostname", rf"\b(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{{0,61}}[a-zA-Z0-9])?\.)+(?:{_TLDS})\b"),
    (
        "ip",
        r"\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\b",
    ),
    ("ip", rf"(?:{_H4}:){{7}}{_H4}|(?:{_H4}:){{1,7}}:(?:{_H4}(?::{_H4}){{0,6}})?|::(?:{_H4}:){{0,6}}{_H4}"),
    ("traceparent", r"\b[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}\b"),
    ("uuid", r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
    ("sha1", r"\b[0-9a-fA-F]{40}\b"),
    ("md5", r"\b[0-9a-fA-F]{32}\b"),
    (
        "date",
        (
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b?"
            rf"|\b{_DAY}, \d{{1,2}} {_MONTH} \d{{4}} \d{{2}}:\d{{2}}:\d{{2}}(?: [+-]\d{{4}}| GMT)?"
            rf"|\b{_MONTH} +\d{{1,2}},? (?:\d{{4}} )?\d{{2}}:\d{{2}}:\d{{2}}"
            r"|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
            r"|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"
        ),
    ),
    ("duration", r"\b\d+(?:\.\d+)?\s?(?:ns|us|ms|s|sec|secs|seconds|min|mins|minutes|h|hrs|hours)\b"),
    ("hex", r"\b0[xX][0-9a-fA-F]+\b|\b[0-9a-fA-F]{8,}\b"),
    # a 7-character short sha: hex with at least one letter (an all-digit 7-char run stays an <int>)
    ("git_sha", r"\b(?:" + "|".join(f"[0-9]{{{k}}}[a-f][0-9a-f]{{{6 - k}}}" for k in range(7)) + r")\b"),
    ("float", r"-?\b\d+\.\d+(?:[eE][+-]?\d+)?\b"),
    ("int", r"-?\b\d+\b"),
)



def macro_sql() -> str:
    """`CREATE OR REPLACE MACRO hs_parameterize(s)` as a chain of regexp_replace calls (constants only)."""
    expr = "s"
    for name, regex in PATTERNS:
        repl = f"=<{name}>" if name == "quoted_str" else f"<{name}>"
        expr = f"regexp_replace({expr}, {sql_literal(regex)}, {sql_literal(repl)}, 'g')"
    first_two = (
        "array_to_string(list_filter(string_split(replace(coalesce(s, ''), chr(13), ''), chr(10)), "
        "lambda x: trim(x) <> '')[1:2], chr(10))"
    )
    return (
        f"CREATE OR REPLACE TEMP MACRO hs_parameterize(s) AS {expr};\n"
        f"CREATE OR REPLACE TEMP MACRO hs_first_two_lines(s) AS {first_two};\n"
        "CREATE OR REPLACE TEMP MACRO hs_literal_replacement(s) AS replace(s, '\\', '\\\\');\n"
    )


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Define the macros on a connection (temporary: nothing is written to the warehouse file)."""
    con.execute(macro_sql())


@functools.lru_cache(maxsize=1)
def _memory_con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    install(con)
    return con


def parameterize(text: str | None) -> str | None:
    """The SQL macro applied to one string (same implementation as the warehouse path)."""
    if text is None:
        return None
    return _memory_con().execute("SELECT hs_parameterize(?)", [text]).fetchone()[0]


def message_key(text: str | None) -> str:
    """What a message-only event is grouped by: its first two non-empty lines, parameterized."""
    return _memory_con().execute("SELECT hs_parameterize(hs_first_two_lines(?))", [text]).fetchone()[0]
