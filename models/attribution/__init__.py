"""Attribution: from a crashing frame to the commit that wrote it, and whether an AI tool wrote it.

Steps (each incremental, each callable alone):

1. `resolve_frames(con, config)` — place every frame of new events at (repo, revision, repo path,
   line): revision from the event's release (the config's `release_table`, `core.releases`, a commit
   hash the version string carries), else inferred from the frames' source lines (`infer.py`),
   optional `time_fallback`; paths through path mappings or, for basename-only / site-packages
   paths, candidates in the tree at that revision verified against the frame's source line.
   -> `core.frame_resolutions`.
2. `blame_pending(con, config)` — `git blame -w -L` (honouring `.git-blame-ignore-revs`) of every
   not-yet-blamed line frames point at, one call per file. -> `core.blame_lines`, `core.blamed_files`.
3. `score_suspects(con, config)` — suspect commits per cluster, fix detection and SZZ refinement.
   -> `core.suspect_commit_scores`; a reintroduced bug is put on the commit that brought it back.

`unresolved_hints(con)` lists the commonest unresolved reasons with what would fix each.

`attribute(con, config)` runs all three. The AI figures are SQL views (`sql/views/40_attribution.sql`):
`frame_attribution`, `suspect_commits`, `cluster_attribution`, `ai_failure_rates`, `release_attribution`.
"""

from __future__ import annotations

import time

import duckdb

from models.attribution.blame import DEFAULT_WORKERS, BlamePrefetch, blame_pending
from models.attribution.gitrepo import open_repositories
from models.attribution.hints import unresolved_hints
from models.attribution.resolve import resolve_frames
from models.attribution.suspects import score_suspects
from models.config import Config
from models.warehouse import read_sql

__all__ = [
    "attribute",
    "blame_pending",
    "resolve_frames",
    "score_suspects",
    "unresolved_hints",
    "unresolved_reasons",
]


def unresolved_reasons(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Count of frames per resolution outcome: {'resolved': n, '<reason>': n, ...}."""
    rows = con.sql(read_sql("queries/attribution/count_resolution_outcomes")).fetchall()
    return {k: v for k, v in rows}


def attribute(
    con: duckdb.DuckDBPyConnection, config: Config, *, workers: int = DEFAULT_WORKERS, time_fallback: bool | None = None
) -> dict:
    """Run the whole attribution step on the warehouse; returns counts for the CLI and Dagster."""
    started = time.perf_counter()
    gits = open_repositories(con, config)
    try:
        with BlamePrefetch(gits, workers) as prefetch:  # git blames while frames resolve and are written
            resolved = resolve_frames(
                con, config, gits=gits, time_fallback=time_fallback, on_placed=prefetch.start
            )
            blamed = blame_pending(con, config, gits=gits, workers=workers, prefetch=prefetch)
        frames_s = time.perf_counter() - started
        suspects = score_suspects(con, config, gits=gits)
    finally:
        for g in gits.values():
            g.close()
    return {
        "resolve": resolved,
        "blame": blamed,
        "suspects": suspects,
        "outcomes": unresolved_reasons(con),
        "hints": unresolved_hints(con),
        "seconds": round(time.perf_counter() - started, 3),
        "seconds_frames": round(frames_s, 3),
    }
