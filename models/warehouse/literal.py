"""SQL text for values that must be spliced into a statement (a regex pattern inside a generated expression).

Parameters (`?`, `$name`) are the rule; a literal is for the few places where DuckDB needs a constant in
the statement text itself (a `regexp_replace` pattern it compiles once, a `CASE` built from a rule table).
"""

from __future__ import annotations


def sql_literal(text: str) -> str:
    """`text` as a single-quoted SQL string literal: quotes doubled, nothing else changed (DuckDB has no
    backslash escapes in standard strings)."""
    return "'" + text.replace("'", "''") + "'"
