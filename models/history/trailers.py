"""Commit trailers (`Key: value` lines), parsed from the whole body.

Git only reads the last paragraph, but GitHub squash merges concatenate the trailer blocks of every
squashed commit into the body (e.g. one `Co-authored-by:` block after each `* commit subject`), so we
scan every paragraph after the subject. A paragraph counts as a trailer block when all its lines are
trailers (indented lines continue the previous value). A line with a well-known key counts anywhere
after the subject, since tools append e.g. `Made-with: Cursor` without a blank line before it.
"""

from __future__ import annotations

import re

_TRAILER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*[A-Za-z0-9])[ \t]*:[ \t]*(\S.*?)[ \t\r]*$")
_WELL_KNOWN = frozenset(
    k.lower()
    for k in (
        "Co-authored-by",
        "Signed-off-by",
        "Assisted-by",
        "Generated-by",
        "AI-assisted",
        "Claude-Session",
        "Amp-Thread-ID",
        "Made-with",
        "Reviewed-by",
        "Acked-by",
        "Tested-by",
        "Reported-by",
        "Suggested-by",
        "Helped-by",
        "Change-Id",
    )
)


def parse_trailers(message: str) -> list[tuple[str, str]]:
    """Every trailer of `message` in order, as (key as written, value)."""
    paragraphs = re.split(r"\n[ \t\r]*\n", message.replace("\r\n", "\n").strip("\n"))
    found: list[tuple[str, str]] = []
    for para in paragraphs[1:]:  # the first paragraph is the subject
        lines = para.split("\n")
        parsed = [_TRAILER.match(line) for line in lines]
        block = all(
            m or (line[:1] in (" ", "\t") and i > 0) for i, (m, line) in enumerate(zip(parsed, lines))
        )
        for i, (m, line) in enumerate(zip(parsed, lines)):
            if block and m is None and found:  # continuation line of a folded value
                key, value = found[-1]
                found[-1] = (key, f"{value} {line.strip()}")
            elif m and (block or m.group(1).lower() in _WELL_KNOWN):
                found.append((m.group(1), m.group(2)))
    return found
