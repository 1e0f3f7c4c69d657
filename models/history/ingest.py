"""Ingest configured git repositories into the warehouse, incrementally.

Per repository, in one transaction:
1. tips = default-branch head + tag commits + explicit release-table commits;
2. commits reachable from the tips, minus those reachable from the tips of the last ingest
   (`core.repositories.last_tips`); when the last head is no longer an ancestor of the head
   (history rewritten) the whole history is scanned again and stored commits are skipped, so rows
   are never duplicated. Commits are streamed from one `git log` and bulk-inserted per batch (Arrow);
3. AI-origin classification of the new commits (of all commits when the marker set changed or notes
   were removed);
4. git-ai notes (`refs/notes/ai`) when the notes ref moved;
5. releases (always: cheap) and the commits first shipped in each changed release.

Imperfect repositories degrade per commit, never as a whole: when objects are missing (a partial or
damaged clone) the one `git log` fails, and the commits it did not deliver are read again in chunks,
halving a failing chunk down to the commit that fails; that commit keeps its files with line counts
where the blobs exist (`commit_files.degraded = 'missing_object'` elsewhere). The boundary commits of a
shallow clone are stored without files (`degraded = 'shallow_boundary'`: git shows them as adding the
whole tree); when the clone is deepened they are read again, with everything behind them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator

import duckdb
import polars as pl

from models.config import Config, RepositoryConfig
from models.history import commit_graph, git
from models.history.logparse import COMMIT_SCHEMA, FILE_SCHEMA, LogBatch, parse_log
from models.history.markers import MarkerSet, classify_frame, load_markers
from models.history.notes import notes_frame
from models.history.redaction import scrub_classification, scrub_commits, scrub_paths
from models.history.releases import release_commits_delta, release_rows
from models.warehouse import execute, read_sql, run_sql_file, unit_of_work

NOTES_REF = "refs/notes/ai"
RETRY_CHUNK = 256  # commits per `git log` once the single streamed log failed
log = logging.getLogger(__name__)


def _sql(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None):
    return run_sql_file(con, f"queries/history/{name}", params)


def _insert(con: duckdb.DuckDBPyConnection, sql_name: str, **frame: pl.DataFrame) -> None:
    """Bulk insert of one frame, read by the statement under its given name (no row-by-row INSERT)."""
    execute(con, read_sql(f"queries/history/{sql_name}"), **frame)


def _state(con: duckdb.DuckDBPyConnection, repo: str) -> dict:
    rows = _sql(con, "select_repository_state", {"repo": repo}).fetchall()
    keys = ("last_head", "last_tips", "notes_head", "markers_digest", "releases_digest", "shallow_digest")
    return dict(zip(keys, rows[0])) if rows else dict.fromkeys(keys)


def _plan(path, head: str, tips: list[str], state: dict, shallow_digest: str | None) -> tuple[str, list[str]]:
    """(mode, commits to exclude): full | rewritten | deepened | incremental | unchanged."""
    if state["last_head"] is None:
        return "full", []
    if not git.is_ancestor(path, state["last_head"], head):
        return "rewritten", []
    if state["shallow_digest"] is not None and state["shallow_digest"] != shallow_digest:
        return "deepened", []  # older commits arrived behind the stored ones: scan everything again
    exclude = git.existing_commits(path, list(state["last_tips"] or []))
    return ("unchanged" if set(tips) <= set(exclude) else "incremental"), exclude


COMMIT_COUNTS = ("commits_new", "files_new", "ai_authored_new", "ai_committed_only_new", "degraded_new")


def _known(con, repo: str, shas: list[str]) -> set[str]:
    return {r[0] for r in _sql(con, "select_known_shas", {"repo": repo, "shas": shas}).fetchall()}


def _cut_shallow(batch: LogBatch, shallow: frozenset[str]) -> LogBatch:
    """A shallow clone's boundary commits show the whole tree as added: keep the commit, not the files."""
    if not shallow:
        return batch
    cut = pl.col("sha").is_in(list(shallow))
    commits = batch.commits.with_columns(
        *(pl.when(cut).then(None).otherwise(pl.col(c)).alias(c) for c in ("files_changed", "lines_added", "lines_deleted")),
        pl.when(cut).then(pl.lit("shallow_boundary")).otherwise(pl.col("degraded")).alias("degraded"),
    )  # fmt: skip
    return LogBatch(commits, batch.files.filter(~cut))


def _store_batch(con, repo: str, batch: LogBatch, rescan: bool, markers: MarkerSet, counts: dict) -> None:
    commits, files = batch.commits, batch.files
    if rescan:  # after a rewrite (or a failed log), most commits are stored already
        known = list(_known(con, repo, commits["sha"].to_list()))
        commits = commits.filter(~pl.col("sha").is_in(known))
        files = files.filter(~pl.col("sha").is_in(known))
    if commits.is_empty():
        return
    ai = scrub_classification(classify_frame(commits, markers))  # classified raw, stored scrubbed
    commits, files = scrub_commits(commits), scrub_paths(files, ("path", "old_path"))
    _insert(con, "insert_commit_files", hs_files=files)  # before commits: it anti-joins them
    _insert(con, "insert_commits", hs_commits=commits)
    _insert(con, "insert_commit_ai", hs_ai=ai)
    counts["commits_new"] += commits.height
    counts["files_new"] += files.height
    counts["ai_authored_new"] += int(ai["origin"].eq("ai_authored").sum())
    counts["ai_committed_only_new"] += int(ai["origin"].eq("ai_committed_only").sum())
    counts["degraded_new"] += int(commits["degraded"].is_not_null().sum())


def degraded_commit(path, repo: str, sha: str) -> LogBatch:
    """One commit whose `git log --raw --numstat` fails (an object it needs is missing), found alone.

    The header needs no tree; the changed files come from a tree diff without rename detection (no
    blob is read); line counts only for files whose blobs exist. `degraded` says what is missing.
    """
    batch = next(parse_log(list(git.stream_log(path, [sha], no_walk=True, diff=False)), repo))
    try:
        changed = git.changed_files(path, sha)
    except git.GitError as exc:  # a tree is missing: which files changed is unknown
        log.warning("commit %s of %s: changed files unknown (%s)", sha[:12], repo, exc)
        commits = batch.commits.with_columns(
            *(pl.lit(None, dtype=pl.Int32).alias(c) for c in ("files_changed", "lines_added", "lines_deleted")),
            pl.lit("missing_tree").alias("degraded"),
        )  # fmt: skip
        return LogBatch(commits, batch.files)
    files, summary = _degraded_files(path, repo, sha, changed, git.missing_objects(path, git.blobs_of(changed)))
    why = summary[-1]
    log.warning("commit %s of %s degraded: %s (%d of %d files)", sha[:12], repo, why,
                files["degraded"].is_not_null().sum(), files.height)  # fmt: skip
    return LogBatch(_with_summaries(batch.commits, [summary]), files)


def degraded_commits(path, repo: str, lacking: dict[str, git.Lacking]) -> LogBatch:
    """Commits whose diffs need blobs the clone lacks (`commits_lacking_objects`), read together: their
    headers from one `git log` (no tree or blob read), their changed files as that pass listed them, and
    a `git diff-tree --numstat` only for a commit with files whose blobs are all here. In a partial clone,
    where most commits are such, two git runs per commit made the ingest of psf/requests take 35 s."""
    headers = pl.concat([b.commits for b in parse_log(git.stream_log(path, list(lacking), no_walk=True, diff=False), repo)],
                        how="vertical_relaxed")
    parts = [_degraded_files(path, repo, sha, list(d.changed), d.missing) for sha, d in lacking.items()]
    files = pl.concat([f for f, _ in parts], how="vertical_relaxed")
    return LogBatch(_with_summaries(headers, [s for _, s in parts]), files)


def _degraded_files(
    path, repo: str, sha: str, changed: list[tuple[str, str, str, str]], missing: set[str] | frozenset[str]
) -> tuple[pl.DataFrame, tuple]:
    """The file rows of a degraded commit (line counts where both blobs are here, else why not) and its
    summary (sha, files_changed, lines_added, lines_deleted, degraded)."""
    present = [p for _, old, new, p in changed if old not in missing and new not in missing]
    try:
        counts = git.numstat(path, sha, present)
    except git.GitError:
        counts = {}
    rows = []
    for status, old, new, p in changed:
        added, deleted = counts.get(p, (None, None))
        why = None if p in counts else "no_line_counts"
        if old in missing or new in missing:
            why = "missing_object"
        rows.append((repo, sha, p, None, status[:1], added, deleted, why))
    reasons = {r[-1] for r in rows}
    commit_why = next((w for w in ("missing_object", "no_line_counts") if w in reasons), "no_rename_detection")
    summary = (sha, len(rows), sum(r[5] or 0 for r in rows), sum(r[6] or 0 for r in rows), commit_why)
    return pl.DataFrame(rows, schema=FILE_SCHEMA, orient="row"), summary


def _with_summaries(commits: pl.DataFrame, summaries: list[tuple]) -> pl.DataFrame:
    """Headers read without a diff, given each commit's file count, line counts and `degraded` reason."""
    columns = ("files_changed", "lines_added", "lines_deleted", "degraded")
    known = pl.DataFrame(summaries, schema={"sha": pl.Utf8, **{c: COMMIT_SCHEMA[c] for c in columns}}, orient="row")
    return commits.drop(columns).join(known, on="sha", how="left").select(commits.columns).cast(COMMIT_SCHEMA)


def _retry_batches(path, repo: str, shas: list[str], batch_size: int) -> Iterator[LogBatch]:
    """The commits one failed `git log` did not deliver: chunk by chunk, a failing chunk halved down
    to single commits, which are read degraded."""
    todo = [shas[i : i + RETRY_CHUNK] for i in range(0, len(shas), RETRY_CHUNK)]
    while todo:
        part = todo.pop()
        try:
            batches = list(parse_log(list(git.stream_log(path, part, no_walk=True)), repo, batch_size))
        except git.GitError:
            if len(part) == 1:
                yield degraded_commit(path, repo, part[0])
            else:
                todo += [part[len(part) // 2 :], part[: len(part) // 2]]
            continue
        yield from batches


def _ingest_commits(
    con, path, repo: str, tips, exclude, rescan: bool, markers: MarkerSet, batch_size: int,
    shallow: frozenset[str] = frozenset(),
) -> dict:  # fmt: skip
    counts = dict.fromkeys(COMMIT_COUNTS, 0)
    try:
        for batch in parse_log(git.stream_log(path, tips, exclude), repo, batch_size):
            _store_batch(con, repo, _cut_shallow(batch, shallow), rescan, markers, counts)
    except git.GitError as exc:
        # Typically a missing object (partial or damaged clone). Commits already stored stay; the rest
        # are read again, and only the commits that really fail are degraded.
        log.warning("git log failed in %s (%s); reading the remaining commits one chunk at a time", path, exc)
        remaining = git.rev_list(path, tips, exclude)
        known = _known(con, repo, remaining)
        _ingest_listed(con, path, repo, [s for s in remaining if s not in known], markers, batch_size, shallow, counts)
    return counts


def _ingest_listed(
    con, path, repo: str, todo: list[str], markers: MarkerSet, batch_size: int, shallow: frozenset[str], counts: dict
) -> None:
    """Ingest exactly the commits `todo` in a clone that may lack objects: the commits that need an object
    the clone lacks are found at once and stored degraded (a partial clone lacks many), the rest are read
    in chunks (a chunk that fails is halved down to the commit that fails)."""
    try:
        lacking = git.commits_lacking_objects(path, todo)
    except git.GitError as why:  # a tree is missing too: commit by commit finds out
        log.warning("objects missing in %s not listed (%s); trying commit by commit", path, why)
        lacking = {}
    if lacking:
        log.warning("%d commits of %s need objects the clone lacks (partial or damaged clone): stored "
                    "without their line counts", len(lacking), repo)
    shas = list(lacking)
    for i in range(0, len(shas), batch_size):
        batch = degraded_commits(path, repo, {sha: lacking[sha] for sha in shas[i : i + batch_size]})
        _store_batch(con, repo, _cut_shallow(batch, shallow), True, markers, counts)
    for batch in _retry_batches(path, repo, [s for s in todo if s not in lacking], batch_size):
        _store_batch(con, repo, _cut_shallow(batch, shallow), True, markers, counts)


def _forget(con, repo: str, shas: list[str]) -> None:
    """Delete stored commits (their files and AI classification too), to ingest them again."""
    for name in ("delete_commit_files", "delete_commit_ai_of", "delete_commits") if shas else ():
        _sql(con, name, {"repo": repo, "shas": shas})


REPAIR_SAMPLE = 4  # degraded commits checked per ingest for a repair: the newest, the oldest, two between


def _repaired(con, path, repo: str) -> list[str]:
    """The commits stored degraded for want of an object, to read again in full, when the clone now holds
    every object one of a few of them needs (the user completed a partial clone or repaired a damaged
    one): else none. A spread sample, not the newest alone: an object gone for good (one the upstream lacks
    too) must not hide a repair of the rest. Costs a tree diff and an object check per sampled commit (a
    few ms each), only while degraded commits exist."""
    shas = [r[0] for r in _sql(con, "select_repairable_commits", {"repo": repo}).fetchall()]
    for sha in _spread(shas, REPAIR_SAMPLE):
        try:
            if git.objects_present(path, git.blobs_of(git.changed_files(path, sha))):
                return git.existing_commits(path, shas)
        except git.GitError:  # a tree it needs is still missing
            continue
    return []


def _spread(items: list[str], k: int) -> list[str]:
    """Up to `k` of `items` spread evenly over them, the first and the last included."""
    if len(items) <= k:
        return items
    return [items[round(i * (len(items) - 1) / (k - 1))] for i in range(k)]


def _ingest_notes(con, path, repo: str, notes: str | None) -> dict:
    _sql(con, "delete_ai_line_ranges", {"repo": repo})
    if not notes:
        return {"notes_read": 0, "notes_skipped": 0}
    pairs = git.notes_list(path, NOTES_REF)
    blobs = git.read_blobs(path, [blob for blob, _ in pairs])
    ranges, skipped = notes_frame(repo, ((sha, blobs[b]) for b, sha in pairs if b in blobs))
    ranges = scrub_paths(ranges, ("path", "session_key"))
    _insert(con, "insert_ai_line_ranges", hs_ranges=ranges)
    return {"notes_read": len(pairs) - skipped, "notes_skipped": skipped}


def _reclassify(con: duckdb.DuckDBPyConnection, repo: str, markers: MarkerSet) -> int:
    commits = con.sql(read_sql("queries/history/select_commit_identities"), params={"repo": repo}).pl()
    _sql(con, "delete_commit_ai", {"repo": repo})
    if commits.height:
        _insert(con, "insert_commit_ai", hs_ai=scrub_classification(classify_frame(commits, markers)))
    return commits.height


def _ingest_releases(con, path, repo: str, releases: pl.DataFrame, state: dict) -> str:
    """Replace the releases; update first-shipped commits of the changed ones. Returns the release digest."""
    digest = hashlib.sha256(
        json.dumps(sorted(releases.select("release", "sha").iter_rows())).encode()
    ).hexdigest()
    old = _sql(con, "select_releases", {"repo": repo}).fetchall() if state["releases_digest"] else []
    _sql(con, "delete_releases", {"repo": repo})
    _insert(con, "insert_releases", hs_releases=releases)
    if digest[:16] != state["releases_digest"]:
        new = _sql(con, "select_releases", {"repo": repo}).fetchall()
        drop, rows = release_commits_delta(path, repo, old, new)
        if not state["releases_digest"]:  # first computation: nothing stored is trusted
            _sql(con, "delete_repository_release_commits", {"repo": repo})
        _sql(con, "delete_release_commits", {"repo": repo, "releases": drop})
        _insert(con, "insert_release_commits", hs_release_commits=rows)
    return digest[:16]


def ingest_repository(
    con: duckdb.DuckDBPyConnection,
    repo_cfg: RepositoryConfig,
    markers: MarkerSet | None = None,
    *,
    reclassify: bool = False,
    batch_size: int = 20_000,
) -> dict:
    """Ingest one repository (see the module docstring); returns counts and totals."""
    started = time.perf_counter()
    markers = markers or load_markers()
    path, repo = repo_cfg.path, repo_cfg.name
    git.check_repository(path)
    head = git.branch_head(path, repo_cfg.default_branch)
    tags = git.tag_tips(path)
    releases = release_rows(repo_cfg, tags)
    tips = sorted({head, *(sha for _, sha in tags), *releases["sha"].to_list()})
    notes = git.notes_head(path, NOTES_REF)
    shallow = git.shallow_commits(path)
    shallow_digest = hashlib.sha256(" ".join(sorted(shallow)).encode()).hexdigest()[:16] if shallow else None
    state = _state(con, repo)
    mode, exclude = _plan(path, head, tips, state, shallow_digest)
    counts: dict = {
        "repo": repo,
        "mode": mode,
        "head": head,
        "reclassified": 0,
        "notes_read": 0,
        "notes_skipped": 0,
    }

    with unit_of_work(con):
        if mode == "deepened":  # boundary commits whose parents arrived are read again, in full
            params = {"repo": repo, "shallow": sorted(shallow)}
            again = [r[0] for r in _sql(con, "select_unshallowed_commits", params).fetchall()]
            _forget(con, repo, again)
            state["releases_digest"] = None  # release_commits were computed on the cut history
        repaired = _repaired(con, path, repo)  # the clone now holds what its degraded commits lacked
        _forget(con, repo, repaired)
        rescan = mode in ("rewritten", "deepened")
        counts.update(
            _ingest_commits(con, path, repo, tips, exclude, rescan, markers, batch_size, shallow)
            if mode != "unchanged"
            else dict.fromkeys(COMMIT_COUNTS, 0)
        )
        if repaired:  # read again in full (counted apart: they are not new commits)
            _ingest_listed(con, path, repo, repaired, markers, batch_size, shallow, dict.fromkeys(COMMIT_COUNTS, 0))
        counts["commits_repaired"] = (
            _sql(con, "count_complete_commits", {"repo": repo, "shas": repaired}).fetchall()[0][0] if repaired else 0
        )
        notes_changed = notes != state["notes_head"]
        if notes_changed:
            counts.update(_ingest_notes(con, path, repo, notes))
        # Applying notes only upgrades origins, so a fresh classification is needed only when notes
        # may have lost AI ranges (they existed before) or the marker set changed.
        notes_shrank = notes_changed and state["notes_head"] is not None
        if reclassify or notes_shrank or state["markers_digest"] not in (None, markers.digest):
            counts["reclassified"] = _reclassify(con, repo, markers)
        if notes_changed or counts["reclassified"] or counts["commits_new"] or repaired:
            _sql(con, "apply_git_ai_notes", {"repo": repo})
        releases_digest = _ingest_releases(con, path, repo, releases, state)
        _sql(
            con,
            "upsert_repository",
            {
                "repo": repo, "path": str(path), "default_branch": repo_cfg.default_branch,
                "release_pattern": repo_cfg.release_pattern, "last_head": head, "last_tips": tips,
                "notes_head": notes, "markers_digest": markers.digest, "releases_digest": releases_digest,
                "shallow_digest": shallow_digest,
            },
        )  # fmt: skip
        totals = _sql(con, "count_repository", {"repo": repo})
        counts.update(zip([d[0] for d in totals.description], totals.fetchall()[0]))
    if mode != "unchanged" or commit_graph.usable_overlay(con, repo_cfg) is None:  # a cache: see its module
        counts["commit_graph"] = commit_graph.update(con, repo_cfg, tips)["status"]
    counts["seconds"] = round(time.perf_counter() - started, 3)
    return counts


def ingest_all(
    con: duckdb.DuckDBPyConnection, config: Config, *, repo: str | None = None, reclassify: bool = False
) -> list[dict]:
    """Ingest every configured repository (or only `repo`), with the shipped + configured markers."""
    repos = [config.repository(repo)] if repo else list(config.repositories)
    markers = load_markers(config.marker_files)
    return [ingest_repository(con, r, markers, reclassify=reclassify) for r in repos]
