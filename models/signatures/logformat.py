"""Split raw log lines into `Content` (+ header fields) with a Loghub line format.

The format compiler is the sources stage's (`models.sources.logformat.compile_line_format`), so the
file API (`hindsight templates`) and the warehouse (`core.log_records.message`) see the same content.
"""

from __future__ import annotations

import polars as pl

from models.sources.logformat import LogFormatError, compile_line_format


def split_lines(lines: pl.Series, line_format: str | None) -> pl.DataFrame:
    """Columns `Content` (+ header fields) for each line; a line that does not match keeps its whole
    text as `Content` (nothing is dropped: one output row per input line). Raises `LogFormatError` (a
    ValueError) for a format without `<Content>` or one that cannot be compiled."""
    lines = lines.cast(pl.Utf8).str.strip_chars_end("\r\n")
    if not line_format:
        return pl.DataFrame({"Content": lines})
    if "<Content>" not in line_format:
        raise LogFormatError(f"log format must contain <Content>: {line_format!r}")
    fmt = compile_line_format(line_format)
    groups = lines.str.extract_groups(fmt.regex).struct.unnest()
    df = groups.rename(dict(zip(groups.columns, fmt.fields)))
    return df.with_columns(
        pl.when(pl.col("Content").is_null()).then(lines).otherwise(pl.col("Content")).alias("Content"),
    )
