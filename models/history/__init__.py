"""Code history: which code ran, and who — a person or an AI tool — wrote it.

Public API (other stages call these; everything else in the package is internal):

- `ingest_repository(con, repo_cfg, markers=None, *, reclassify=False) -> dict`
    Ingest one configured repository incrementally (commits, files, AI origin, git-ai notes,
    releases) in one transaction; returns counts (`mode` is full | incremental | rewritten | unchanged).
- `ingest_all(con, config, *, repo=None, reclassify=False) -> list[dict]`
    The same for every repository of a `models.config.Config`, with its `[ai] marker_files`.
- `load_markers(extra_files=()) -> MarkerSet`
    The shipped `markers.toml` plus user marker files (same id replaces, `enabled = false` drops).
- `classify_commit(author, committer, message, markers=None) -> Classification`
    `author`/`committer` as 'Name <email>'; origin is 'ai_authored', 'ai_committed_only' or
    'unknown/human' (never 'human': markers can be switched off).
- `resolve_release(con, repo, release) -> str | None`
    Release string as events carry it ('shop@1.4.2', '1.4.2', 'v1.4.2', '1.4.2+build', a sha) → commit
    sha; the explicit `release_table` wins over tags.
- `releases_of_commit(con, repo, sha) -> list[str]`
    Releases whose revision contains the commit, earliest first.
- `parse_trailers(message)`, `parse_note(text)` — the parsers, for tests and other tools.

Tables written: core.repositories, core.commits, core.commit_files, core.commit_ai,
core.ai_line_ranges, core.releases, core.release_commits (see sql/schema/20_history.sql);
views: commits, commit_files, releases, ai_commits (sql/reference/20_history.md).
"""

from models.history.git import GitError
from models.history.ingest import ingest_all, ingest_repository
from models.history.markers import (
    Classification,
    Marker,
    MarkerError,
    MarkerSet,
    classify_commit,
    load_markers,
)
from models.history.notes import parse_note
from models.history.releases import releases_of_commit, resolve_release
from models.history.trailers import parse_trailers

__all__ = [
    "Classification",
    "GitError",
    "Marker",
    "MarkerError",
    "MarkerSet",
    "classify_commit",
    "ingest_all",
    "ingest_repository",
    "load_markers",
    "parse_note",
    "parse_trailers",
    "releases_of_commit",
    "resolve_release",
]
