"""Blame at the revision: whole files, once per (repo, revision, path), cached in the warehouse.

A file is blamed once however many frames and events point into it, and never again in a later run
(`core.blamed_files`). Blames run in a small thread pool (git does the work; threads only wait).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import duckdb
import polars as pl

from models.attribution.gitrepo import BlameCommit, BlameLine, GitError, GitRepo
from models.config import Config
from models.warehouse import read_sql, run_sql_file

log = logging.getLogger(__name__)

BATCH_FILES = 200  # files per warehouse write: bounds memory on big backlogs

_LINES = {
    "repo": pl.Utf8,
    "revision": pl.Utf8,
    "path": pl.Utf8,
    "line": pl.Int32,
    "commit_sha": pl.Utf8,
    "orig_path": pl.Utf8,
    "orig_line": pl.Int32,
}
_FILES = {"repo": pl.Utf8, "revision": pl.Utf8, "path": pl.Utf8, "line_count": pl.Int32}
_COMMITS = {
    "repo": pl.Utf8,
    "sha": pl.Utf8,
    "author_name": pl.Utf8,
    "author_time": pl.Int64,
    "summary": pl.Utf8,
}


def blame_file(git: GitRepo, revision: str, path: str) -> tuple[list[BlameLine], dict[str, BlameCommit]]:
    """Blame one whole file (the unit of caching)."""
    return git.blame(revision, path)


def store_blames(
    con: duckdb.DuckDBPyConnection,
    repo: str,
    done: list[tuple[str, str, list[BlameLine], dict[str, BlameCommit]]],
) -> int:
    """Write blamed files (revision, path, lines, commits) of one repository; returns lines written."""
    lines = pl.DataFrame(
        [
            (repo, rev, path, b.line, b.commit_sha, b.orig_path or path, b.orig_line)
            for rev, path, blamed, _ in done
            for b in blamed
        ],
        schema=_LINES,
        orient="row",
    )
    files = pl.DataFrame(
        [(repo, rev, path, len(blamed)) for rev, path, blamed, _ in done], schema=_FILES, orient="row"
    )
    commits = pl.DataFrame(
        [(repo, c.sha, c.author_name, c.author_time, c.summary) for *_, cs in done for c in cs.values()],
        schema=_COMMITS,
        orient="row",
    )
    con.register("attr_blame_lines", lines.to_arrow())
    con.register("attr_blamed_files", files.to_arrow())
    con.register("attr_blame_commits", commits.to_arrow())
    try:
        con.execute("BEGIN TRANSACTION")
        run_sql_file(con, "queries/attribution/insert_blame_lines")
        run_sql_file(con, "queries/attribution/insert_blame_commits")
        run_sql_file(con, "queries/attribution/insert_blamed_files")
        con.execute("COMMIT")
    finally:
        for name in ("attr_blame_lines", "attr_blamed_files", "attr_blame_commits"):
            con.unregister(name)
    return lines.height


def blame_pending(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    *,
    gits: dict[str, GitRepo] | None = None,
    workers: int = 2,
) -> dict:
    """Blame every file that resolved frames point into and that is not cached yet.

    Returns `{"files_blamed", "cache_hits", "lines", "failed"}`; files that cannot be blamed turn
    their frames `unresolved` with reason `blame_failed`.
    """
    cache_hits = run_sql_file(con, "queries/attribution/count_blame_cache_hits").fetchall()[0][0]
    todo = con.sql(read_sql("queries/attribution/select_unblamed_files")).fetchall()
    stats = {"files_blamed": 0, "cache_hits": cache_hits, "lines": 0, "failed": 0}
    if not todo:
        return stats
    own = gits is None
    gits = gits if gits is not None else {r.name: GitRepo(r.path) for r in config.repositories}
    failed: list[tuple[str, str, str]] = []
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            for start in range(0, len(todo), BATCH_FILES):
                batch = todo[start : start + BATCH_FILES]

                def work(item):
                    repo, rev, path = item
                    try:
                        return item, blame_file(gits[repo], rev, path)
                    except (GitError, KeyError) as exc:
                        log.warning("blame failed for %s %s:%s: %s", repo, rev[:12], path, exc)
                        return item, None

                by_repo: dict[str, list] = {}
                for (repo, rev, path), result in pool.map(work, batch):
                    if result is None:
                        failed.append((repo, rev, path))
                        continue
                    by_repo.setdefault(repo, []).append((rev, path, *result))
                for repo, done in by_repo.items():
                    stats["lines"] += store_blames(con, repo, done)
                    stats["files_blamed"] += len(done)
        if failed:
            con.register(
                "attr_blame_failed",
                pl.DataFrame(failed, schema=["repo", "revision", "path"], orient="row").to_arrow(),
            )
            run_sql_file(con, "queries/attribution/update_blame_failed")
            con.unregister("attr_blame_failed")
            stats["failed"] = len(failed)
    finally:
        if own:
            for g in gits.values():
                g.close()
    return stats
