"""Read each commit's hunks once (incremental): `core.risk_diffs` marks a commit read, `core.risk_hunks` holds them.

Commits are streamed with one `git log -p` (see `gitdiff.stream_hunks`) and written in batches, each
batch one transaction, so a crash loses at most the batch in progress and a re-run resumes after it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from models.history.redaction import scrub_paths
from models.risk.gitdiff import CommitDiff, stream_hunks
from models.sources.scrub import scrub_text
from models.warehouse import read_sql, run_sql_file, unit_of_work

BATCH_COMMITS = 500

HUNK_SCHEMA = {
    "repo": pl.Utf8, "sha": pl.Utf8, "path": pl.Utf8, "old_path": pl.Utf8, "old_start": pl.Int32,
    "old_lines": pl.Int32, "new_start": pl.Int32, "new_lines": pl.Int32, "function": pl.Utf8,
}  # fmt: skip
DIFF_SCHEMA = {"repo": pl.Utf8, "sha": pl.Utf8, "hunks": pl.Int32, "unreadable": pl.List(pl.Utf8)}


def hunks_frame(repo: str, diffs: list[CommitDiff]) -> pl.DataFrame:
    rows = [
        (repo, d.sha, h.path, h.old_path, h.old_start, h.old_lines, h.new_start, h.new_lines, h.function)
        for d in diffs
        for h in d.hunks
    ]
    # Paths and hunk headers come from the repository: secrets out before they are stored (same policy
    # as the history stage's paths).
    return scrub_paths(pl.DataFrame(rows, schema=HUNK_SCHEMA, orient="row"), ("path", "old_path", "function"))


def _store(con: duckdb.DuckDBPyConnection, repo: str, diffs: list[CommitDiff]) -> None:
    hunks = hunks_frame(repo, diffs)
    marks = pl.DataFrame(
        [(repo, d.sha, len(d.hunks), [scrub_text(u, personal=False) for u in d.unreadable]) for d in diffs],
        schema=DIFF_SCHEMA,
        orient="row",
    )
    with unit_of_work(con, risk_hunks_batch=hunks, risk_diffs_batch=marks):
        run_sql_file(con, "queries/risk/insert_hunks")
        run_sql_file(con, "queries/risk/insert_diffs")


def read_new_hunks(con: duckdb.DuckDBPyConnection, repo: str, path: Path) -> dict:
    """Hunks of every stored non-merge commit not read yet. Returns {"commits", "hunks", "unreadable_files"}."""
    todo = [r[0] for r in con.execute(read_sql("queries/risk/select_diff_todo"), {"repo": repo}).fetchall()]
    stats = {"commits": 0, "hunks": 0, "unreadable_files": 0}
    batch: list[CommitDiff] = []
    for diff in stream_hunks(path, todo):
        batch.append(diff)
        if len(batch) >= BATCH_COMMITS:
            _store(con, repo, batch)
            batch = []
        stats["commits"] += 1
        stats["hunks"] += len(diff.hunks)
        stats["unreadable_files"] += len(diff.unreadable)
    if batch:
        _store(con, repo, batch)
    return stats
