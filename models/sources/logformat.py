"""Loghub line formats (`<Date> <Time> <Level> <Component>: <Content>`) turned into one regex.

Rules (the Loghub benchmark's `generate_logformat_regex`, made RE2-safe for DuckDB):
- `<Name>` is a field, matched non-greedily (`.*?`); the regex is anchored at both ends, so the
  last field (normally `<Content>`) takes the rest of the line.
- Text between fields is a regex fragment (`\\[`, `(...)?` and `\\|` work as in the Loghub
  configuration); a run of spaces means `\\s+`.
- A `[` or `]` in literal text without its partner in the same literal piece is matched literally
  (formats copied from Markdown often lose the backslash: `[<Node>:<Component>@<Id>]`).
- Groups written in the format become non-capturing, so capture group *i* is field *i*: the regex
  works with DuckDB `regexp_extract(line, regex, [names])` and Python `re` alike.

Also here: the SQL that turns timestamp text into a UTC TIMESTAMP (time fields of a line format,
ISO/epoch values of JSON logs and incident exports).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from models.errors import InputError
from models.warehouse import sql_literal

_FIELD = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)>")
# Fields whose text, joined in format order, is the record's timestamp.
TIME_FIELDS = ("date", "day", "month", "time", "timestamp", "datetime", "year")
LEVEL_FIELDS = ("level", "severity", "loglevel")
LOGGER_FIELDS = ("component", "logger", "module")


class LogFormatError(InputError, ValueError):
    """The line format cannot be turned into a regex."""


@dataclass(frozen=True)
class LineFormat:
    """A compiled Loghub line format."""

    text: str
    regex: str  # anchored, one capture group per field, in order
    fields: tuple[str, ...]
    strict_regex: str | None = (
        None  # same groups, no lazy quantifiers (see _strict_regex); None = not derivable
    )

    @property
    def content_field(self) -> str:
        return "Content" if "Content" in self.fields else self.fields[-1]

    def field_like(self, names: tuple[str, ...]) -> str | None:
        for field in self.fields:
            if field.lower() in names:
                return field
        return None

    @property
    def time_fields(self) -> tuple[str, ...]:
        return tuple(f for f in self.fields if f.lower() in TIME_FIELDS)


def _tokens(piece: str):
    """Characters of a regex fragment, with each backslash escape kept as one two-character token."""
    i = 0
    while i < len(piece):
        step = 2 if piece[i] == "\\" and i + 1 < len(piece) else 1
        yield i, piece[i : i + step]
        i += step


def _escape_unpaired_brackets(piece: str) -> str:
    """Escape `[`/`]` that are not escaped and have no partner inside this literal piece."""
    out: list[str] = []
    open_at: list[int] = []
    for _, tok in _tokens(piece):
        if tok == "[":
            open_at.append(len(out))
            out.append(tok)
        elif tok == "]":
            if open_at:
                open_at.pop()
                out.append(tok)
            else:
                out.append("\\]")
        else:
            out.append(tok)
    for pos in open_at:
        out[pos] = "\\["
    return "".join(out)


def _non_capturing(piece: str) -> str:
    """`(` that opens a plain group becomes `(?:` (escaped and `(?...` groups stay)."""
    return "".join("(?:" if tok == "(" and not piece.startswith("(?", i) else tok for i, tok in _tokens(piece))


_META = re.compile(r"(?<!\\)[()?*+{}|.^$]")


def _strict_regex(parts: list[str]) -> str | None:
    """A faster regex that, whenever it matches, extracts exactly what the Loghub regex extracts.

    Each field stops at the first character that can start the literal after it: `(\\S+)` before a
    space, `([^c]+)` before a literal starting with `c`; the last field is `(.*)`. The lazy `(.*?)` of
    the Loghub regex takes the shortest field for which the rest matches, and no shorter field can be
    followed by that literal, so both agree when this one matches (a line with an empty field or a
    field containing its terminator does not match it, and falls back to the Loghub regex).
    Only for formats whose literal text is plain (escaped brackets/pipes allowed, no groups or `?`).
    """
    out = []
    for i, piece in enumerate(parts):
        if i % 2:
            continue
        lit = _escape_unpaired_brackets(piece)
        if _META.search(lit.replace("\\[", "").replace("\\]", "").replace("\\|", "")):
            return None
        if i + 1 < len(parts):  # a field follows this literal
            nxt = parts[i + 2] if i + 2 < len(parts) else ""
            if i + 2 >= len(parts) - 1 and not nxt:  # the last field: runs to the end of the line
                field = "(.*)"
            else:
                nxt_lit = _escape_unpaired_brackets(nxt)
                if not nxt_lit:
                    return None  # two fields without a separator
                first = nxt_lit[:2] if nxt_lit.startswith("\\") else nxt_lit[0]
                if first == " ":
                    field = r"(\S+)"
                else:
                    field = f"([^{first}]+)"
            out.append(re.sub(" +", r"\\s+", lit))
            out.append(field)
        else:
            out.append(re.sub(" +", r"\\s+", lit))
    return "^" + "".join(out) + "$"


def compile_line_format(text: str) -> LineFormat:
    """Turn a Loghub line format into a `LineFormat` (raises `LogFormatError` when it is unusable)."""
    if not text or not text.strip():
        raise LogFormatError("empty log line format")
    parts = _FIELD.split(text)
    # parts alternates literal, field, literal, field, ..., literal
    fields = tuple(parts[1::2])
    if not fields:
        raise LogFormatError(f"log line format {text!r} has no <Field>")
    if len(set(fields)) != len(fields):
        raise LogFormatError(f"log line format {text!r} repeats a field name")
    regex = []
    for i, piece in enumerate(parts):
        if i % 2:
            regex.append("(.*?)")
        else:
            piece = _non_capturing(_escape_unpaired_brackets(piece))
            regex.append(re.sub(" +", r"\\s+", piece))
    pattern = "^" + "".join(regex) + "$"
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise LogFormatError(f"log line format {text!r} is not a valid regex: {exc}") from exc
    if compiled.groups != len(fields):
        raise LogFormatError(f"log line format {text!r}: {compiled.groups} groups for {len(fields)} fields")
    return LineFormat(text=text, regex=pattern, fields=fields, strict_regex=_strict_regex(parts))


# Timestamp text shapes tried in order on the time fields joined by a space (DuckDB strptime).
TIME_FORMATS_WITH_YEAR = (
    "%Y-%m-%d %H:%M:%S,%g",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S.%f",
    "%y%m%d %H%M%S",
    "%Y%m%d-%H:%M:%S:%g",
    "%Y%m%d %H:%M:%S",
    "%d/%b/%Y:%H:%M:%S",
    "%b %d %Y %H:%M:%S",
    "%a %b %d %H:%M:%S %Y",
)
# Shapes without a year (syslog, Android): the year is prefixed ("%Y ").
TIME_FORMATS_NO_YEAR = (
    "%Y %b %d %H:%M:%S",
    "%Y %b %d %H:%M:%S.%f",
    "%Y %m-%d %H:%M:%S.%f",
    "%Y %m-%d %H:%M:%S",
    "%Y %a %b %d %H:%M:%S",
)



def time_text_sql(fmt: LineFormat, struct: str = "f") -> str | None:
    """SQL text of the record's time fields joined by a space, in format order (None without time fields)."""
    if not fmt.time_fields:
        return None
    return "concat_ws(' ', " + ", ".join(f'trim({struct}."{f}")' for f in fmt.time_fields) + ")"


def time_candidates(text: str, year: str = "year(current_date)") -> list[str]:
    """One SQL expression per supported timestamp shape, each giving a TIMESTAMP or NULL."""
    out = [f"try_strptime({text}, {sql_literal(f)})" for f in TIME_FORMATS_WITH_YEAR]
    for f in TIME_FORMATS_NO_YEAR:
        parsed = f"try_strptime(CAST({year} AS VARCHAR) || ' ' || {text}, {sql_literal(f)})"
        # no year in the text: the current year, moved back one year when that lands in the future (syslog)
        out.append(
            f"CASE WHEN {parsed} > timezone('UTC', now()) + INTERVAL 1 DAY THEN {parsed} - INTERVAL 1 YEAR ELSE {parsed} END"
        )
    out.append(
        f"CASE WHEN regexp_full_match({text}, '\\d{{10}}(\\.\\d+)?') THEN make_timestamp(CAST(TRY_CAST({text} AS DOUBLE) * 1000000 AS BIGINT)) END"
    )
    out.append(
        f"CASE WHEN regexp_full_match({text}, '\\d{{13}}') THEN epoch_ms(TRY_CAST({text} AS BIGINT)) END"
    )
    return out


def text_timestamp_sql(s: str) -> str:
    """TIMESTAMP (UTC) from timestamp text: ISO with or without offset, Python asctime, epoch digits."""
    return (
        f"CASE WHEN regexp_matches({s}, '(Z|[+-]\\d\\d:?\\d\\d)$') THEN timezone('UTC', TRY_CAST({s} AS TIMESTAMPTZ)) "
        f"WHEN regexp_full_match({s}, '\\d+(\\.\\d+)?') THEN {epoch_sql(f'TRY_CAST({s} AS DOUBLE)')} "
        f"ELSE COALESCE(TRY_CAST({s} AS TIMESTAMP), try_strptime({s}, [{', '.join(map(sql_literal, TIME_FORMATS_WITH_YEAR))}])) END"
    )


def epoch_sql(x: str) -> str:
    """Epoch seconds, ms, us or ns (told apart by magnitude) -> TIMESTAMP."""
    return (
        f"CASE WHEN {x} > 1e17 THEN make_timestamp(CAST({x} / 1000 AS BIGINT)) "
        f"WHEN {x} > 1e14 THEN make_timestamp(CAST({x} AS BIGINT)) "
        f"WHEN {x} > 1e11 THEN make_timestamp(CAST({x} * 1000 AS BIGINT)) "
        f"ELSE make_timestamp(CAST({x} * 1000000 AS BIGINT)) END"
    )


def epoch_int_sql(x: str) -> str:
    """Integer epoch seconds, ms, us or ns -> TIMESTAMP without going through floating point."""
    return (
        f"CASE WHEN {x} > 100000000000000000 THEN make_timestamp({x} // 1000) "
        f"WHEN {x} > 100000000000000 THEN make_timestamp({x}) "
        f"WHEN {x} > 100000000000 THEN make_timestamp({x} * 1000) "
        f"ELSE make_timestamp({x} * 1000000) END"
    )
