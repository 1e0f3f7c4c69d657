"""Loghub line formats: `<Date> <Time> <Level> <Component>: <Content>` → a regex, and lines → columns.

The only per-source input of the template miner. Like Loghub's `generate_logformat_regex`: every
`<Field>` becomes a lazy named group (`<Content>` is greedy and is what gets templated), literal
text between fields is a regex fragment in which a run of spaces means `\\s+`.
"""

from __future__ import annotations

import re

import polars as pl

_FIELD = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)>")


def format_regex(line_format: str) -> str:
    """Anchored regex with one named group per field; raises ValueError without `<Content>`."""
    if not line_format or "<Content>" not in line_format:
        raise ValueError(f"log format must contain <Content>: {line_format!r}")
    parts, pos, seen = [], 0, set()
    for m in _FIELD.finditer(line_format):
        literal = line_format[pos : m.start()]
        parts.append(_literal(literal))
        name = m.group(1)
        if name in seen:
            raise ValueError(f"field <{name}> appears twice in {line_format!r}")
        seen.add(name)
        parts.append(f"(?P<{name}>.*)" if name == "Content" else f"(?P<{name}>.*?)")
        pos = m.end()
    parts.append(_literal(line_format[pos:]))
    regex = "^" + "".join(parts) + "$"
    re.compile(regex)  # fail early on a broken fragment
    return regex


def _literal(text: str) -> str:
    """Literal text as a regex fragment: spaces → `\\s+`; a bare `[`/`]` (as in Hadoop's `[<Process>]`)
    is taken literally, an escaped one (`\\[`) is kept as written."""
    text = re.sub(r"(?<!\\)([\[\]])", r"\\\1", text)
    return re.sub(r" +", r"\\s+", text)


def format_fields(line_format: str) -> list[str]:
    return _FIELD.findall(line_format)


def split_lines(lines: pl.Series, line_format: str | None) -> pl.DataFrame:
    """Columns `Content` (+ header fields) for each line; a line that does not match keeps its whole
    text as `Content` (nothing is dropped: one output row per input line)."""
    lines = lines.cast(pl.Utf8).str.strip_chars_end("\r\n")
    if not line_format:
        return pl.DataFrame({"Content": lines})
    regex = format_regex(line_format)
    parsed = lines.str.extract_groups(regex)
    df = parsed.struct.unnest()
    return df.with_columns(
        pl.when(pl.col("Content").is_null()).then(lines).otherwise(pl.col("Content")).alias("Content"),
        lines.str.contains(regex).alias("_matched"),
    )
