"""git-ai authorship notes (`refs/notes/ai`, schema `authorship/3.x`) → line ranges per commit.

A note is an attestation section, a line `---`, then JSON metadata:

    src/shop/http.py
      s_0123456789abcd::t_0123456789abcd 1-4,9
      h_0123456789abcd 5-8
    ---
    {"schema_version": "authorship/3.0.0", "base_commit_sha": "...", "prompts": {...}}

Keys: `s_<14 hex>::t_<14 hex>` an AI session/trace, `h_<14 hex>` a known human, a bare 16 (or 7)
hex hash a legacy AI prompt. The tool comes from the metadata (`prompts[key].agent_id.tool`, or
`sessions[s_…]…`) and is mapped onto Hindsight's tool names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import polars as pl

from models.errors import InputError

SCHEMA_PREFIX = "authorship/3."
_HUMAN = re.compile(r"^h_[0-9a-f]{14}$")
_SESSION = re.compile(r"^(s_[0-9a-f]{14})(?:::(t_[0-9a-f]{14}))?$")
_LEGACY = re.compile(r"^[0-9a-f]{7,16}$")
_RANGES = re.compile(r"^\d+(-\d+)?(,\d+(-\d+)?)*$")

# git-ai tool names (agent_id.tool) → Hindsight tool names; anything else → 'generic'.
TOOL_ALIASES = {
    "claude": "claude_code",
    "claude-code": "claude_code",
    "claude_code": "claude_code",
    "cursor": "cursor",
    "cursor-agent": "cursor",
    "copilot": "copilot",
    "github-copilot": "copilot",
    "copilot-agent": "copilot_agent",
    "copilot_agent": "copilot_agent",
    "codex": "codex",
    "codex-cli": "codex",
    "aider": "aider",
    "devin": "devin",
    "jules": "jules",
    "amp": "amp",
    "opencode": "opencode",
}

RANGE_SCHEMA = {
    "repo": pl.String,
    "sha": pl.String,
    "path": pl.String,
    "line_start": pl.Int32,
    "line_end": pl.Int32,
    "author_kind": pl.String,
    "ai_tool": pl.String,
    "session_key": pl.String,
}


class NoteError(InputError, ValueError):
    """A note is not a git-ai authorship log we can read."""


def _tool_for(key: str, meta: dict) -> str | None:
    m = _SESSION.match(key)
    candidates = [key] + ([m.group(1)] if m else [])
    for section in ("prompts", "sessions"):
        entries = meta.get(section) or {}
        for cand in candidates:
            entry = entries.get(cand) if isinstance(entries, dict) else None
            if isinstance(entry, dict):
                tool = (entry.get("agent_id") or {}).get("tool") or entry.get("tool")
                if isinstance(tool, str) and tool:
                    return TOOL_ALIASES.get(tool.strip().lower(), "generic")
    return None


def _path(line: str) -> str:
    if line.startswith('"') and line.endswith('"') and len(line) >= 2:
        try:
            return json.loads(line)
        except json.JSONDecodeError:
            return line[1:-1]
    return line


def parse_note(text: str) -> list[dict]:
    """Line ranges of one note: dicts with path, line_start, line_end, author_kind, ai_tool, session_key."""
    lines = text.replace("\r\n", "\n").split("\n")
    try:
        cut = lines.index("---")
    except ValueError:
        raise NoteError("no '---' divider between attestation and metadata") from None
    try:
        meta = json.loads("\n".join(lines[cut + 1 :]) or "{}")
    except json.JSONDecodeError as exc:
        raise NoteError(f"metadata is not JSON: {exc}") from None
    schema = str(meta.get("schema_version", "")) if isinstance(meta, dict) else ""
    if not schema.startswith(SCHEMA_PREFIX):
        raise NoteError(f"unsupported schema_version {schema!r} (expected authorship/3.x)")
    rows, path = [], None
    for line in lines[:cut]:
        if not line.strip():
            continue
        if not line.startswith(" "):
            path = _path(line)
            continue
        parts = line.strip().split()
        if path is None or len(parts) != 2 or not _RANGES.match(parts[1]):
            raise NoteError(f"malformed attestation line {line.strip()[:80]!r}")
        key, ranges = parts
        human = bool(_HUMAN.match(key))
        if not human and not (_SESSION.match(key) or _LEGACY.match(key)):
            raise NoteError(f"unknown attestation key {key[:40]!r}")
        tool = None if human else (_tool_for(key, meta) or "generic")
        for span in ranges.split(","):
            start, _, end = span.partition("-")
            rows.append(
                {
                    "path": path,
                    "line_start": int(start),
                    "line_end": int(end or start),
                    "author_kind": "human" if human else "ai",
                    "ai_tool": tool,
                    "session_key": key,
                }
            )
    return rows


def notes_frame(repo: str, notes: Iterable[tuple[str, bytes]]) -> tuple[pl.DataFrame, int]:
    """Line ranges of many (commit sha, note bytes); returns the frame and how many notes were skipped."""
    rows, skipped = [], 0
    for sha, blob in notes:
        try:
            for r in parse_note(blob.decode("utf-8", "replace")):
                rows.append({"repo": repo, "sha": sha, **r})
        except NoteError:
            skipped += 1
    return pl.DataFrame(rows, schema=RANGE_SCHEMA), skipped
