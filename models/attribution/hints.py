"""What would fix the unresolved frames: the commonest reasons, with the option or setting that cures each.

`hindsight attribute` prints these after every run; the text names the real knobs (`--time-fallback`,
`release_table`, `path_mappings`, `services`) and the git commands for damaged or shallow clones.
"""

from __future__ import annotations

import re

import duckdb

from models.warehouse import read_sql

# How to complete a clone that lacks objects. A partial clone's filter must go first: `git fetch --refetch`
# alone applies it again and fetches none of the missing blobs (checked with git 2.39).
_COMPLETE = ("a partial clone: `git config --unset remote.origin.partialclonefilter` then `git fetch --refetch "
             "origin`; a damaged one: `git fetch --refetch origin`")
FIXES = {
    "no_release": "the events carry no release: set `release` in the SDK, or pass --time-fallback "
    "(newest default-branch commit before each event, marked time_fallback)",
    "unknown_release": "no tag, hash or matching source names these releases: map them in `release_table` "
    "(release -> git revision) in hindsight.toml, run `hindsight commits` if the tags exist but were not "
    "ingested, or pass --time-fallback",
    "ambiguous_release": "the frames match several revisions equally (see detail): pin these releases in "
    "`release_table`, or pass --time-fallback",
    "no_repo": "several repositories and none runs these events' service: list it in `services` of the "
    "[[repositories]] entry",
    "file_not_in_repo": "the deployed paths are not in the repository: add `path_mappings` "
    "(stack_root -> source_root)",
    "ambiguous_path": "several files of that name match: add `path_mappings` so the deployed path names one",
    "line_mismatch": "the file at that revision differs from what ran: check the release's revision "
    "(`release_table`), or add `path_mappings` if another file of that name ran",
    "missing_object": "objects are missing from the clone: complete it (" + _COMPLETE + "), then `hindsight "
    "commits`; the frames are retried",
    "blame_failed": "git could not blame the file (see detail); when an object is missing, complete the clone ("
    + _COMPLETE + "), then `hindsight commits`; the frames are retried",
    "shallow_history": "the clone is shallow: `git fetch --unshallow`, then `hindsight commits`",
    "hostile_path": "paths with '..', control characters or a leading '-' are never read (hostile input)",
    "no_line": "the SDK sent no line number",
    "no_path": "the SDK sent no file path",
}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


def unresolved_hints(con: duckdb.DuckDBPyConnection, top: int = 5) -> list[dict]:
    """The `top` commonest unresolved reasons (third-party code left out): `{reason, frames, events,
    examples, fix}`, most frames first. Examples are release strings or frame paths (untrusted text,
    control characters replaced, shortened)."""
    rows = con.execute(read_sql("queries/attribution/select_unresolved_summary"), {"top": top}).fetchall()
    return [
        {
            "reason": reason,
            "frames": frames,
            "events": events,
            "examples": [_UNSAFE.sub("?", e)[:80] for e in examples or []],
            "fix": FIXES.get(reason, "see sql/reference/40_attribution.md"),
        }
        for reason, frames, events, examples in rows
    ]
