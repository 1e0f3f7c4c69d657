"""Frame resolution: which repository, revision, file and line each stack frame ran.

Work is set-based: DuckDB finds the pending events and the *distinct* frames among them; Python resolves
each distinct frame once (tree listing per revision, blob reads through one `git cat-file --batch`);
DuckDB joins the results back to every frame. Nothing is guessed silently: a frame that cannot be
placed is stored `unresolved` with the reason, and a revision inferred from the frames' source lines
(`infer.py`, for release strings that name none) is stored as such (`revision_how = 'inferred'`,
with how many frames agreed).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import polars as pl

from models.attribution import paths as P
from models.attribution.gitrepo import MAX_CACHED_TREES, GitError, GitRepo, open_repositories
from models.config import Config, RepositoryConfig
from models.history.releases import place_release
from models.warehouse import execute, read_sql, run_sql_file, unit_of_work

log = logging.getLogger(__name__)

MAX_CANDIDATES = 400  # files verified per frame (a basename like __init__.py can have hundreds)
_RESULT_SCHEMA = {
    "key_id": pl.Int64,
    "status": pl.Utf8,
    "repo_path": pl.Utf8,
    "reason": pl.Utf8,
    "verified": pl.Boolean,
    "detail": pl.Utf8,
}
_EVENT_SCHEMA = {
    "event_id": pl.Utf8,
    "repo": pl.Utf8,
    "revision": pl.Utf8,
    "revision_source": pl.Utf8,
    "revision_how": pl.Utf8,
    "revision_agreeing": pl.Int32,
    "reason": pl.Utf8,
    "detail": pl.Utf8,
}
# Reasons that new history can cure: retried when the repository's ingested history changes.
RETRY_ON_HISTORY = ("unknown_release", "ambiguous_release", "missing_object", "blame_failed", "shallow_history")


@dataclass(frozen=True)
class Resolution:
    status: str
    repo_path: str | None = None
    reason: str | None = None
    verified: bool | None = None
    neighbours: int = 0  # pre/post context lines that matched too (evidence when inferring a revision)
    detail: str | None = None


def _unresolved(reason: str, detail: str | None = None) -> Resolution:
    return Resolution("unresolved", None, reason, None, 0, detail)


# -- revisions -------------------------------------------------------------------------------------


class RevisionResolver:
    """Release string -> (commit sha, how) for one repository: the configured `release_table`, then
    `models.history.place_release` (releases and tags as ingested, a hash the string carries — checked
    against this repository with git —, the normalised version)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, repo: RepositoryConfig, git: GitRepo):
        self.repo, self.git, self.con = repo, git, con

    def revision(self, release: str | None) -> tuple[str | None, str | None, str | None]:
        """(sha, how, None) or (None, None, 'no_release' | 'unknown_release')."""
        if release is None or not release.strip():
            return None, None, "no_release"
        table = self.repo.release_table.get(release.strip())
        if table and (sha := self.git.commit_sha(str(table))):
            return sha, "table", None
        sha, how = place_release(self.con, self.repo.name, release, self.git.commit_of_prefix)
        if sha and (full := self.git.commit_sha(sha)):
            return full, how, None
        return None, None, "unknown_release"


def _repo_for(service: str | None, release: str | None, config: Config) -> RepositoryConfig | None:
    """The repository whose code an event ran: by service, by release prefix, else the only one."""
    repos = config.repositories
    if len(repos) == 1:
        return repos[0]
    for r in repos:
        if service and service in r.services:
            return r
    for r in repos:
        if release and (
            release.startswith(f"{r.name}@") or any(release.startswith(f"{s}@") for s in r.services)
        ):
            return r
    return None


def event_revisions(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    gits: dict[str, GitRepo],
    events: pl.DataFrame,
    time_fallback: bool,
    infer=None,
) -> pl.DataFrame:
    """Per pending event: repo, revision, revision_source ('release' | 'inferred' | 'time_fallback') and
    revision_how, or the reason. `infer(frame) -> frame` places the events left `unknown_release`."""
    if events.is_empty():
        return pl.DataFrame(schema=_EVENT_SCHEMA)
    pairs = events.select("service", "release").unique()
    resolvers: dict[str, RevisionResolver] = {}
    rows = []
    for service, release in pairs.iter_rows():  # distinct (service, release): a handful
        repo = _repo_for(service, release, config)
        if repo is None:
            rows.append((service, release, None, None, None, None, "no_repo"))
            continue
        if repo.name not in resolvers:
            resolvers[repo.name] = RevisionResolver(con, repo, gits[repo.name])
        sha, how, reason = resolvers[repo.name].revision(release)
        rows.append((service, release, repo.name, sha, "release" if sha else None, how, reason))
    columns = ("service", "release", "repo", "revision", "revision_source", "revision_how", "reason")
    mapping = pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.Utf8), orient="row")
    events = events.with_columns(pl.col("service").cast(pl.Utf8), pl.col("release").cast(pl.Utf8))
    out = events.join(mapping, on=["service", "release"], how="left", nulls_equal=True).with_columns(
        pl.lit(None, dtype=pl.Int32).alias("revision_agreeing"), pl.lit(None, dtype=pl.Utf8).alias("detail")
    )
    if infer is not None:
        out = infer(out)
    if time_fallback:
        out = _apply_time_fallback(out, config, gits)
    return out.select(list(_EVENT_SCHEMA)).cast(_EVENT_SCHEMA)


def _apply_time_fallback(ev: pl.DataFrame, config: Config, gits: dict[str, GitRepo]) -> pl.DataFrame:
    """Newest default-branch commit before the event time, for events without a known release."""
    missing = ev.filter(pl.col("revision").is_null() & pl.col("repo").is_not_null())
    if missing.is_empty():
        return ev
    parts = [ev.filter(~(pl.col("revision").is_null() & pl.col("repo").is_not_null()))]
    for repo_name, group in missing.group_by("repo"):
        repo_name = repo_name[0]
        cfg = config.repository(repo_name)
        hist = gits[repo_name].first_parent_history(cfg.default_branch)
        if not hist:
            parts.append(group)
            continue
        commits = (
            pl.DataFrame(
                {
                    "fb_sha": [h[0] for h in hist],
                    "fb_ts": [datetime.fromtimestamp(h[1], tz=UTC).replace(tzinfo=None) for h in hist],
                }
            )
            .sort("fb_ts")
            .with_columns(pl.col("fb_ts").cast(pl.Datetime("us")))
        )
        g = group.with_columns(pl.col("ts").cast(pl.Datetime("us"))).sort("ts")
        joined = g.join_asof(commits, left_on="ts", right_on="fb_ts", strategy="backward")
        found = pl.col("fb_sha").is_not_null()
        joined = joined.with_columns(
            pl.coalesce("revision", "fb_sha").alias("revision"),
            pl.when(found)
            .then(pl.lit("time_fallback"))
            .otherwise(pl.col("revision_source"))
            .alias("revision_source"),
            pl.when(found).then(pl.lit("time_fallback")).otherwise(pl.col("revision_how")).alias("revision_how"),
            pl.when(found).then(None).otherwise(pl.col("reason")).alias("reason"),
            pl.when(found).then(None).otherwise(pl.col("detail")).alias("detail"),
        ).drop("fb_sha", "fb_ts")
        parts.append(joined.select(group.columns))
    return pl.concat([p.select(ev.columns) for p in parts], how="vertical_relaxed")


# -- one distinct frame ----------------------------------------------------------------------------


class FrameResolver:
    """Places frames of one repository at one revision; caches the basename index per revision."""

    def __init__(self, repo: RepositoryConfig, git: GitRepo):
        self.repo, self.git = repo, git
        self._index: dict[str, dict[str, list[str]]] = {}
        self._files: dict[tuple, list[tuple[str, int]] | Resolution] = {}

    def _by_basename(self, revision: str) -> dict[str, list[str]]:
        if revision not in self._index:
            index: dict[str, list[str]] = defaultdict(list)
            for p in self.git.tree(revision):
                index[p.rsplit("/", 1)[-1]].append(p)
            self._index[revision] = index
            if len(self._index) > MAX_CACHED_TREES:  # oldest first: memory stays bounded on big repositories
                del self._index[next(iter(self._index))]
        return self._index[revision]

    def _verify(
        self, revision: str, path: str, lineno: int, context: str | None, pre: list | None, post: list | None
    ) -> tuple[bool, int] | None:
        """(context line matches, neighbours matching) or None when the line is not in the file."""
        lines = self.git.file_lines(revision, path)
        if lines is None or lineno > len(lines):
            return None
        if context is None:
            return False, 0
        ok = P.same_code(context, lines[lineno - 1])
        near = 0
        for i, text in enumerate(reversed(pre or [])):
            j = lineno - 2 - i
            near += j >= 0 and P.same_code(text, lines[j])
        for i, text in enumerate(post or []):
            j = lineno + i
            near += j < len(lines) and P.same_code(text, lines[j])
        return ok, near

    def resolve(
        self,
        revision: str,
        abs_path: str | None,
        filename: str | None,
        lineno: int | None,
        context: str | None,
        pre: list | None,
        post: list | None,
        in_app: bool | None,
        module: str | None = None,
    ) -> Resolution:
        """Where the frame ran at `revision` (a damaged repository degrades to `missing_object`)."""
        if lineno is None or lineno < 1:
            raw = abs_path or filename
            if raw and not (P.is_hostile(raw) or (filename and P.is_hostile(filename))):
                return _unresolved("no_line")
        key = (revision, abs_path, filename, in_app, module)
        try:
            found = self._files.get(key)
            if found is None:  # the path part depends on the frame's file, not its line: once per file
                found = self._files[key] = self._files_of(revision, abs_path, filename, in_app, module)
            if isinstance(found, Resolution):
                return found
            return self._pick(revision, found, lineno, context, pre, post)
        except GitError as exc:  # e.g. a tree object missing from a partial or damaged clone
            return _unresolved("missing_object", f"git cannot read the tree at {revision[:12]}: {exc}"[:300])

    def _files_of(
        self, revision: str, abs_path: str | None, filename: str | None, in_app: bool | None, module: str | None
    ) -> list[tuple[str, int]] | Resolution:
        """Candidate repository files (path, trailing segments matched) for a frame's file, or why none."""
        raw = abs_path or filename
        if not raw:
            return _unresolved("no_path")
        if P.is_hostile(raw) or (filename and P.is_hostile(filename)):
            return _unresolved("hostile_path")
        path = P.normalise(raw)
        if "/" not in path and module:  # basename only: the module name gives the package path
            path = P.module_path(module, path)
        tree = self.git.tree(revision)
        mapped = P.apply_mappings(path, self.repo.path_mappings)
        if mapped is not None and mapped in tree:
            return [(mapped, 99)]
        if mapped is None:
            if P.is_stdlib(path):
                return _unresolved("third_party")
            installed = P.installed_package_path(path)
            if installed is not None:
                # Another package's code unless the repository holds this package path (verified below).
                cands = [
                    c
                    for c in P.suffix_candidates(installed, self._by_basename(revision))
                    if c[1] == installed.count("/") + 1
                ]
                return cands or _unresolved("third_party")
            if in_app is False:
                return _unresolved("third_party")
        return P.suffix_candidates(mapped or path, self._by_basename(revision)) or _unresolved("file_not_in_repo")

    def _pick(
        self,
        revision: str,
        cands: list[tuple[str, int]],
        lineno: int,
        context: str | None,
        pre: list | None,
        post: list | None,
    ) -> Resolution:
        """Keep the candidate whose line matches the frame's source line; ties broken by path suffix
        length, then by matching neighbour lines; a remaining tie is `ambiguous_path`."""
        checked = []
        for path, suffix in cands[:MAX_CANDIDATES]:
            v = self._verify(revision, path, lineno, context, pre, post)
            if v is not None:
                checked.append((path, suffix, *v))
        missing = [p for p, _ in cands[:MAX_CANDIDATES] if self.git.blob_missing(revision, p)]
        if context is None:  # nothing to verify with: accept only an unambiguous file
            if not missing and (
                len(checked) == 1
                or (checked and checked[0][1] > max((c[1] for c in checked[1:]), default=-1))
            ):
                return Resolution("resolved", checked[0][0], None, False)
            if missing and not checked:
                return _missing(revision, missing)
            return _unresolved("ambiguous_path" if checked else "line_mismatch")
        good = sorted((c for c in checked if c[2]), key=lambda c: (-c[1], -c[3], c[0]))
        if not good:
            return _missing(revision, missing) if missing else _unresolved("line_mismatch")
        if len(good) > 1 and (good[0][1], good[0][3]) == (good[1][1], good[1][3]):
            return _unresolved("ambiguous_path")
        return Resolution("resolved", good[0][0], None, True, good[0][3])


def _missing(revision: str, paths: list[str]) -> Resolution:
    """Candidate files whose blob the repository lacks (partial or damaged clone): nothing to verify."""
    return _unresolved(
        "missing_object",
        f"blob of {paths[0]}{f' (+{len(paths) - 1} more)' if len(paths) > 1 else ''} at {revision[:12]} "
        "is missing from the object store (partial or damaged clone)",
    )


# -- the step --------------------------------------------------------------------------------------


def _retry_on_new_history(con: duckdb.DuckDBPyConnection, config: Config) -> dict[str, str]:
    """Events with a frame left unresolved for a reason new history can cure (`RETRY_ON_HISTORY`) are
    forgotten whole (resolution is per event), to be resolved again, when their repository's ingested
    history changed since the last run. Returns the digests to store once the run succeeded."""
    digests = dict(con.execute(read_sql("queries/attribution/select_history_digests")).fetchall())
    changed = {}
    for repo in config.repositories:
        digest = digests.get(repo.name)
        stored = con.execute(read_sql("queries/attribution/select_state"), [f"history:{repo.name}"]).fetchall()
        if digest is None or (stored and stored[0][0] == digest):
            continue
        with unit_of_work(con):
            run_sql_file(con, "queries/attribution/delete_shallow_blames", [repo.name])
            run_sql_file(con, "queries/attribution/reset_shallow_boundaries", [repo.name])
            run_sql_file(con, "queries/attribution/delete_retryable_resolutions", [repo.name, list(RETRY_ON_HISTORY)])
        changed[repo.name] = digest
    return changed


def resolve_frames(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    *,
    gits: dict[str, GitRepo] | None = None,
    time_fallback: bool | None = None,
    on_placed=None,
) -> dict:
    """Resolve the frames of every event that has none resolved yet; returns counts.

    The revision: the release string through `RevisionResolver` (how = table | tag | describe | hash),
    else inferred from the frames' source lines (`infer.py`, how = 'inferred'). `time_fallback`
    (default: `[attribution] time_fallback` in hindsight.toml, else off) places events still without a
    revision at the newest default-branch commit before the event time (`revision_source =
    'time_fallback'`). Frames unresolved for want of history are retried when the history changes.
    `on_placed({(repo, revision, path): [lines]})` gets the placed lines not blamed yet, a few files at a
    time while frames are still being resolved, and all before the resolutions are written (`attribute`
    starts blaming them meanwhile: `_BlameHandoff`).
    """
    from models.attribution.infer import infer_revisions  # infer imports FrameResolver's module

    if time_fallback is None:
        time_fallback = config.attribution.time_fallback
    own = gits is None
    gits = gits if gits is not None else open_repositories(con, config)
    try:
        changed = _retry_on_new_history(con, config)
        run_sql_file(con, "queries/attribution/delete_stale_resolutions", [time_fallback])
        events = con.sql(read_sql("queries/attribution/select_pending_events")).pl()
        counts = {"events": 0, "frames": 0, "distinct_frames": 0, "inferred_events": 0}
        if events.is_empty():
            _store_history_digests(con, changed)
            return counts
        resolvers = {name: FrameResolver(config.repository(name), g) for name, g in gits.items()}

        def infer(ev: pl.DataFrame) -> pl.DataFrame:
            with_release = ev.join(events.select("event_id", "release"), on="event_id")
            return infer_revisions(con, config, gits, resolvers, with_release)

        revs = event_revisions(con, config, gits, events, time_fallback, infer=infer)
        execute(con, read_sql("queries/attribution/create_pending_revisions"), attr_event_revisions=revs)
        run_sql_file(con, "queries/attribution/create_pending_frames")
        keys = con.sql(read_sql("queries/attribution/select_pending_frame_keys")).pl()
        handoff = _BlameHandoff(con, on_placed) if on_placed is not None else None
        results = []
        columns = ("key_id", "repo", "file_name", "revision", "abs_path", "filename", "lineno", "context_line")
        columns += ("pre_context", "post_context", "in_app", "module")
        for key_id, repo, file_name, *frame in keys.select(columns).iter_rows():  # once per DISTINCT frame
            res = resolvers[repo].resolve(*frame)
            results.append((key_id, res.status, res.repo_path, res.reason, res.verified, res.detail))
            if handoff is not None:
                revision, _abs_path, _filename, lineno = frame[:4]
                handoff.add(repo, file_name, revision, lineno, res)
        if handoff is not None:
            handoff.finish()
        result_frame = pl.DataFrame(results, schema=_RESULT_SCHEMA, orient="row")
        with unit_of_work(con, attr_key_results=result_frame):
            frames = run_sql_file(con, "queries/attribution/insert_frame_resolutions").fetchone()[0]
        con.execute("DROP VIEW IF EXISTS attr_pending_frames")
        con.execute("DROP TABLE IF EXISTS attr_pending_revisions")
        _store_history_digests(con, changed)
        counts.update(
            events=events.height,
            frames=frames,
            distinct_frames=keys.height,
            inferred_events=int(revs["revision_how"].eq("inferred").sum()),
        )
        return counts
    finally:
        if own:
            for g in gits.values():
                g.close()


class _BlameHandoff:
    """Hands the lines frame resolution places to `on_placed` file by file while the other frames are still
    being resolved, so git blames them meanwhile. Frames come sorted by file name, so a file's lines (at
    every revision) are all known once resolution has passed its name. A file with lines blamed in an
    earlier run waits for the end, where only its lines `core.blame_lines` lacks are handed over. Handing a
    file over never decides what is blamed: `blame_pending` uses an early blame only when it covers every
    line still unblamed, and blames the file itself otherwise."""

    def __init__(self, con: duckdb.DuckDBPyConnection, on_placed):
        self.con, self.on_placed = con, on_placed
        self.cached = set(run_sql_file(con, "queries/attribution/select_pending_blamed_files").fetchall())
        self.group = None
        self.files: dict[tuple[str, str, str], set[int]] = {}  # of the file name being resolved
        self.held: dict[tuple[str, str, str], set[int]] = {}  # files with lines blamed before: checked at the end

    def add(self, repo: str, file_name: str, revision: str, line: int | None, res: Resolution) -> None:
        """One distinct frame's resolution; the files of the previous file name are handed over first."""
        if (repo, file_name) != self.group:
            self._hand_over()
            self.group = (repo, file_name)
        if res.status == "resolved":
            file = (repo, revision, res.repo_path)
            (self.held if file in self.cached else self.files).setdefault(file, set()).add(line)

    def _hand_over(self) -> None:
        if self.files:
            self.on_placed({f: sorted(lines) for f, lines in self.files.items()})
            self.files = {}

    def finish(self) -> None:
        self._hand_over()
        if not self.held:
            return
        placed = pl.DataFrame(
            [(*f, line) for f, lines in self.held.items() for line in lines],
            schema={"repo": pl.Utf8, "revision": pl.Utf8, "path": pl.Utf8, "line": pl.Int32}, orient="row",
        )
        query = read_sql("queries/attribution/select_placed_unblamed_lines")
        files: dict[tuple[str, str, str], list[int]] = {}
        for repo, revision, path, line in execute(self.con, query, attr_placed_lines=placed).fetchall():
            files.setdefault((repo, revision, path), []).append(line)
        if files:
            self.on_placed(files)


def _store_history_digests(con: duckdb.DuckDBPyConnection, changed: dict[str, str]) -> None:
    for repo, digest in changed.items():
        run_sql_file(con, "queries/attribution/upsert_state", [f"history:{repo}", digest])
