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
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FIELD = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)>")
# Fields whose text, joined in format order, is the record's timestamp.
TIME_FIELDS = ("date", "day", "month", "time", "timestamp", "datetime", "year")
LEVEL_FIELDS = ("level", "severity", "loglevel")
LOGGER_FIELDS = ("component", "logger", "module")


class LogFormatError(ValueError):
    """The line format cannot be turned into a regex."""


@dataclass(frozen=True)
class LineFormat:
    """A compiled Loghub line format."""

    text: str
    regex: str  # anchored, one capture group per field, in order
    fields: tuple[str, ...]

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


def _escape_unpaired_brackets(piece: str) -> str:
    """Escape `[`/`]` that are not escaped and have no partner inside this literal piece."""
    out: list[str] = []
    open_at: list[int] = []
    i = 0
    while i < len(piece):
        ch = piece[i]
        if ch == "\\" and i + 1 < len(piece):
            out.append(piece[i : i + 2])
            i += 2
            continue
        if ch == "[":
            open_at.append(len(out))
            out.append(ch)
        elif ch == "]":
            if open_at:
                open_at.pop()
                out.append(ch)
            else:
                out.append("\\]")
        else:
            out.append(ch)
        i += 1
    for pos in open_at:
        out[pos] = "\\["
    return "".join(out)


def _non_capturing(piece: str) -> str:
    """`(` that opens a plain group becomes `(?:` (escaped and `(?...` groups stay)."""
    out: list[str] = []
    i = 0
    while i < len(piece):
        ch = piece[i]
        if ch == "\\" and i + 1 < len(piece):
            out.append(piece[i : i + 2])
            i += 2
            continue
        if ch == "(" and not piece.startswith("(?", i):
            out.append("(?:")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


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
    return LineFormat(text=text, regex=pattern, fields=fields)


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


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def time_text_sql(fmt: LineFormat, struct: str = "f") -> str | None:
    """SQL text of the record's time fields joined by a space, in format order (None without time fields)."""
    if not fmt.time_fields:
        return None
    return "concat_ws(' ', " + ", ".join(f'trim({struct}."{f}")' for f in fmt.time_fields) + ")"


def time_candidates(text: str, year: str = "year(current_date)") -> list[str]:
    """One SQL expression per supported timestamp shape, each giving a TIMESTAMP or NULL."""
    out = [f"try_strptime({text}, {_sql_str(f)})" for f in TIME_FORMATS_WITH_YEAR]
    for f in TIME_FORMATS_NO_YEAR:
        parsed = f"try_strptime(CAST({year} AS VARCHAR) || ' ' || {text}, {_sql_str(f)})"
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
