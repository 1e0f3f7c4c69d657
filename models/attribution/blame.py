"""Blame at the revision: only the lines frames point at, once per (repo, revision, path, line), cached.

A line is blamed once however many frames and events point at it, and never again in a later run
(`core.blame_lines`). All pending lines of one file are blamed by one `git blame -w -L ...` call (git
stops walking the history once those lines are explained: cheaper than the whole file), and so are
those of the same file at other revisions where the file was last changed by the same commit (its
blame origin, `GitRepo.blame_origin`: the blame is the same there). Blames run in a small thread pool
(git does the work; threads only wait).

Imperfect repositories degrade per file: a file git cannot blame (an object of its history missing)
turns its frames `blame_failed`, with git's message in `detail`; in a shallow clone, a line whose blame
stops at the clone's boundary commit is not that commit's doing, so its frames are `shallow_history`.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Self

import duckdb
import polars as pl

from models.attribution.gitrepo import BlameCommit, BlameLine, GitError, GitRepo, open_repositories
from models.config import Config
from models.warehouse import execute, read_sql, run_sql_file, unit_of_work

log = logging.getLogger(__name__)

BATCH_FILES = 200  # files per warehouse write: bounds memory on big backlogs
# git blame processes at once. Twice the cores: a blame of a few lines is short, and a good part of each
# process is start-up and pipe I/O, so two per core keep the cores busy (measured: 121 files on 2 cores,
# 0.53 s with 2 at once, 0.41 s with 4, 0.43 s with 6). Capped: each is a process with its own memory.
DEFAULT_WORKERS = min(8, 2 * (os.cpu_count() or 1))

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
    "shallow_boundary": pl.Boolean,
}


File = tuple[str, str, str]  # (repo, revision, path)
Shared = tuple[list[int], str]  # the lines to ask git for, and the blame origin to ask at


def blame_file(
    git: GitRepo, revision: str, path: str, lines: list[int] | None = None, shared: Shared | None = None
) -> tuple[list[BlameLine], dict[str, BlameCommit]]:
    """Blame the given lines of one file (the whole file when `lines` is None); `shared`: the lines to ask
    git for and the blame origin to ask at, found by `shared_blames` (see `GitRepo.blame`)."""
    ask, at = shared or (None, None)
    return git.blame(revision, path, lines, at=at, ask=ask)


def store_blames(
    con: duckdb.DuckDBPyConnection,
    repo: str,
    done: list[tuple[str, str, list[BlameLine], dict[str, BlameCommit]]],
    shallow: frozenset[str] = frozenset(),
) -> int:
    """Write blamed lines (revision, path, lines, commits) of one repository; returns lines written."""
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
        [
            (repo, c.sha, c.author_name, c.author_time, c.summary, c.boundary and c.sha in shallow)
            for *_, cs in done
            for c in cs.values()
        ],
        schema=_COMMITS,
        orient="row",
    )
    with unit_of_work(con, attr_blame_lines=lines, attr_blamed_files=files, attr_blame_commits=commits):
        run_sql_file(con, "queries/attribution/insert_blame_lines")
        run_sql_file(con, "queries/attribution/insert_blame_commits")
        run_sql_file(con, "queries/attribution/insert_blamed_files")
    return lines.height


def _blame_or_error(git: GitRepo, revision: str, path: str, lines: list[int], shared: Shared | None = None):
    """The blame of `lines` (with `shared`, git is asked for the lines of every revision of the same blame
    origin, at that origin), or why git could not blame the file."""
    try:
        return blame_file(git, revision, path, lines, shared), None
    except GitError as exc:
        log.warning("blame failed for %s:%s: %s", revision[:12], path, exc)
        return None, str(exc)


def shared_blames(gits: dict[str, GitRepo], files: dict[File, list[int]]) -> tuple[dict[File, Shared], list[File]]:
    """For the files asked at several revisions, each one's blame origin (`GitRepo.blame_origin`) and the
    lines of every file with the same origin (and ignored revisions), so one git blame answers them all;
    and the files in the order to blame them, one per origin first (the others then find its blame
    cached, or wait for it)."""
    revisions = Counter((repo, path) for repo, _, path in files)
    origin_of: dict[File, tuple] = {}
    lines_of: dict[tuple, set[int]] = {}
    for (repo, rev, path), lines in files.items():
        git = gits.get(repo)
        origin = (repo, rev, path, None)  # a file asked at one revision only shares with nothing: no walk
        if git is not None and revisions[(repo, path)] > 1:
            try:
                origin = (repo, git.blame_origin(rev, path), path, tuple(git.ignore_revs(rev)))
            except GitError:  # an object git cannot read: this file on its own
                pass
        origin_of[(repo, rev, path)] = origin
        lines_of.setdefault(origin, set()).update(lines)
    firsts = {origin: f for f, origin in reversed(origin_of.items())}  # the first file of each origin
    order = [*firsts.values(), *(f for f in files if firsts[origin_of[f]] != f)]
    shared = {f: (sorted(lines_of[o]), o[1]) for f, o in origin_of.items() if o[3] is not None}
    return shared, order


class BlamePrefetch:
    """Blames started early: `attribute` hands over the lines frame resolution places, file by file while
    the other frames are still being resolved and their resolutions written to the warehouse
    (`resolve._BlameHandoff`); `blame_pending` then takes the finished results instead of running git
    again (git works while Python resolves and DuckDB writes)."""

    def __init__(self, gits: dict[str, GitRepo], workers: int = DEFAULT_WORKERS):
        self.gits = gits
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers))
        self.futures: dict[File, tuple[frozenset[int], Future]] = {}

    def start(self, files: dict[File, list[int]]) -> None:
        shared, order = shared_blames(self.gits, files)
        for repo, rev, path in order:
            if repo in self.gits and (repo, rev, path) not in self.futures:
                lines = sorted(set(files[(repo, rev, path)]))
                future = self.pool.submit(_blame_or_error, self.gits[repo], rev, path, lines, shared.get((repo, rev, path)))
                self.futures[(repo, rev, path)] = (frozenset(lines), future)

    def take(self, key: File, lines: list[int]) -> Future | None:
        """The started blame of this file when it covers `lines`, else None."""
        entry = self.futures.pop(key, None)
        return entry[1] if entry is not None and entry[0] >= set(lines) else None

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def blame_pending(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    *,
    gits: dict[str, GitRepo] | None = None,
    workers: int = DEFAULT_WORKERS,
    prefetch: BlamePrefetch | None = None,
) -> dict:
    """Blame every line that resolved frames point at and that is not cached yet.

    Returns `{"files_blamed", "cache_hits", "lines", "failed", "shallow_history"}`: `files_blamed` counts
    the (revision, file) pairs with pending lines blamed (at most one git blame each; one for all of a
    blame origin's), `cache_hits` files whose needed lines were all cached; files that cannot be blamed
    turn their frames `unresolved` with reason `blame_failed`.
    """
    todo = con.sql(read_sql("queries/attribution/select_unblamed_lines")).fetchall()
    by_file: dict[tuple[str, str, str], list[int]] = {}
    for repo, rev, path, line in todo:
        by_file.setdefault((repo, rev, path), []).append(line)
    needed = run_sql_file(con, "queries/attribution/count_resolved_files").fetchall()[0][0]
    stats = {"files_blamed": 0, "cache_hits": needed - len(by_file), "lines": 0, "failed": 0, "shallow_history": 0}
    own = gits is None
    gits = gits if gits is not None else open_repositories(con, config)
    failed: list[tuple[str, str, str, str]] = []
    try:
        shared, order = shared_blames(gits, by_file)
        files = [(f, by_file[f]) for f in order]
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            for start in range(0, len(files), BATCH_FILES):
                batch = files[start : start + BATCH_FILES]

                def work(item):
                    (repo, rev, path), lines = item
                    started = prefetch.take((repo, rev, path), lines) if prefetch is not None else None
                    if started is not None:
                        return item, *started.result()
                    if repo not in gits:
                        return item, None, f"repository {repo!r} is not configured"
                    return item, *_blame_or_error(gits[repo], rev, path, lines, shared.get((repo, rev, path)))

                by_repo: dict[str, list] = {}
                for ((repo, rev, path), _), result, error in pool.map(work, batch):
                    if result is None:
                        failed.append((repo, rev, path, _blame_detail(error)))
                        continue
                    by_repo.setdefault(repo, []).append((rev, path, *result))
                for repo, done in by_repo.items():
                    stats["lines"] += store_blames(con, repo, done, gits[repo].shallow_commits())
                    stats["files_blamed"] += len(done)
        if failed:
            execute(
                con, read_sql("queries/attribution/update_blame_failed"),
                attr_blame_failed=pl.DataFrame(failed, schema=["repo", "revision", "path", "detail"], orient="row"),
            )
            stats["failed"] = len(failed)
        # Lines blamed to a shallow clone's edge (cached now or in an earlier run): not known who wrote them.
        shallow = any(g.shallow_commits() for g in gits.values())
        stats["shallow_history"] = (
            run_sql_file(con, "queries/attribution/update_shallow_history").fetchall()[0][0] if shallow else 0
        )
    finally:
        if own:
            for g in gits.values():
                g.close()
    return stats


def _blame_detail(error: str | None) -> str:
    """git's complaint in one line, e.g. 'git blame: fatal: unable to read 968094c...'."""
    text = " ".join((error or "unknown error").split())
    return text[:300]
