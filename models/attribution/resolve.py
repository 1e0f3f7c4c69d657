"""Frame resolution: which repository, revision, file and line each stack frame ran.

Work is set-based: DuckDB finds the pending events and the *distinct* frames among them; Python resolves
each distinct frame once (tree listing per revision, blob reads through one `git cat-file --batch`);
DuckDB joins the results back to every frame. Nothing is guessed silently: a frame that cannot be
placed is stored `unresolved` with the reason.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import polars as pl

from models.attribution import paths as P
from models.attribution.gitrepo import GitRepo
from models.config import Config, RepositoryConfig
from models.warehouse import read_sql, run_sql_file

log = logging.getLogger(__name__)

MAX_CANDIDATES = 400  # files verified per frame (a basename like __init__.py can have hundreds)
_RESULT_SCHEMA = {
    "key_id": pl.Int64,
    "status": pl.Utf8,
    "repo_path": pl.Utf8,
    "reason": pl.Utf8,
    "verified": pl.Boolean,
}
_EVENT_SCHEMA = {
    "event_id": pl.Utf8,
    "repo": pl.Utf8,
    "revision": pl.Utf8,
    "revision_source": pl.Utf8,
    "reason": pl.Utf8,
}


@dataclass(frozen=True)
class Resolution:
    status: str
    repo_path: str | None = None
    reason: str | None = None
    verified: bool | None = None


def _unresolved(reason: str) -> Resolution:
    return Resolution("unresolved", None, reason, None)


# -- revisions -------------------------------------------------------------------------------------


def _pattern_regex(pattern: str | None) -> re.Pattern | None:
    """'{service}@{version}' -> regex with a `version` group."""
    if not pattern or "{version}" not in pattern:
        return None
    rx = re.escape(pattern).replace(r"\{version\}", r"(?P<version>.+)").replace(r"\{service\}", r"[^@/]+")
    return re.compile(f"^{rx}$")


def _history_resolver():
    """`models.history.resolve_release` when the history stage provides it."""
    try:
        from models.history.releases import resolve_release
    except ImportError:
        return None
    return resolve_release


class RevisionResolver:
    """Release string -> commit sha for one repository (table, tags ingested by history, version match)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, repo: RepositoryConfig, git: GitRepo):
        self.repo, self.git, self.con = repo, git, con
        rows = con.execute(read_sql("queries/attribution/select_release_index"), []).fetchall()
        self.by_release: dict[str, str] = {}
        self.by_version: dict[str, str] = {}
        for r_repo, release, version, sha, _ in rows:
            if r_repo != repo.name:
                continue
            self.by_release[release] = sha
            if version:
                self.by_version.setdefault(version, sha)
        self.pattern = _pattern_regex(repo.release_pattern)
        self.history = _history_resolver()

    def revision(self, release: str | None) -> tuple[str | None, str | None]:
        """(sha, None) or (None, 'no_release' | 'unknown_release')."""
        if release is None or not release.strip():
            return None, "no_release"
        candidates = [
            self.repo.release_table.get(release),
            self.by_release.get(release),
            self.by_version.get(release),
        ]
        if self.pattern and (m := self.pattern.match(release)):
            candidates.append(self.by_version.get(m.group("version")))
        if self.history is not None:
            try:
                found = self.history(self.con, self.repo.name, release)
                candidates.append(getattr(found, "sha", found) if found else None)
            except Exception:
                log.debug("history resolve_release failed for %r", release, exc_info=True)
        for cand in candidates:
            if isinstance(cand, str) and cand and (sha := self.git.commit_sha(cand)):
                return sha, None
        return None, "unknown_release"


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
) -> pl.DataFrame:
    """Per pending event: repo, revision, revision_source ('release' | 'time_fallback') or the reason."""
    if events.is_empty():
        return pl.DataFrame(schema=_EVENT_SCHEMA)
    pairs = events.select("service", "release").unique()
    resolvers: dict[str, RevisionResolver] = {}
    rows = []
    for service, release in pairs.iter_rows():  # distinct (service, release): a handful
        repo = _repo_for(service, release, config)
        if repo is None:
            rows.append((service, release, None, None, None, "no_repo"))
            continue
        if repo.name not in resolvers:
            resolvers[repo.name] = RevisionResolver(con, repo, gits[repo.name])
        sha, reason = resolvers[repo.name].revision(release)
        rows.append((service, release, repo.name, sha, "release" if sha else None, reason))
    columns = ("service", "release", "repo", "revision", "revision_source", "reason")
    mapping = pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.Utf8), orient="row")
    events = events.with_columns(pl.col("service").cast(pl.Utf8), pl.col("release").cast(pl.Utf8))
    out = events.join(mapping, on=["service", "release"], how="left", nulls_equal=True)
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
            pl.when(found).then(None).otherwise(pl.col("reason")).alias("reason"),
        ).drop("fb_sha", "fb_ts")
        parts.append(joined.select(group.columns))
    return pl.concat([p.select(ev.columns) for p in parts], how="vertical_relaxed")


# -- one distinct frame ----------------------------------------------------------------------------


class FrameResolver:
    """Places frames of one repository at one revision; caches the basename index per revision."""

    def __init__(self, repo: RepositoryConfig, git: GitRepo):
        self.repo, self.git = repo, git
        self._index: dict[str, dict[str, list[str]]] = {}

    def _by_basename(self, revision: str) -> dict[str, list[str]]:
        if revision not in self._index:
            index: dict[str, list[str]] = defaultdict(list)
            for p in self.git.tree(revision):
                index[p.rsplit("/", 1)[-1]].append(p)
            self._index[revision] = index
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
        raw = abs_path or filename
        if not raw:
            return _unresolved("no_path")
        if P.is_hostile(raw) or (filename and P.is_hostile(filename)):
            return _unresolved("hostile_path")
        if lineno is None or lineno < 1:
            return _unresolved("no_line")
        path = P.normalise(raw)
        if "/" not in path and module:  # basename only: the module name gives the package path
            path = P.module_path(module, path)
        tree = self.git.tree(revision)
        mapped = P.apply_mappings(path, self.repo.path_mappings)
        if mapped is not None and mapped in tree:
            return self._pick(revision, [(mapped, 99)], lineno, context, pre, post)
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
                return (
                    self._pick(revision, cands, lineno, context, pre, post)
                    if cands
                    else _unresolved("third_party")
                )
            if in_app is False:
                return _unresolved("third_party")
        cands = P.suffix_candidates(mapped or path, self._by_basename(revision))
        if not cands:
            return _unresolved("file_not_in_repo")
        return self._pick(revision, cands, lineno, context, pre, post)

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
        if context is None:  # nothing to verify with: accept only an unambiguous file
            if len(checked) == 1 or (
                checked and checked[0][1] > max((c[1] for c in checked[1:]), default=-1)
            ):
                return Resolution("resolved", checked[0][0], None, False)
            return _unresolved("ambiguous_path" if checked else "line_mismatch")
        good = sorted((c for c in checked if c[2]), key=lambda c: (-c[1], -c[3], c[0]))
        if not good:
            return _unresolved("line_mismatch")
        if len(good) > 1 and (good[0][1], good[0][3]) == (good[1][1], good[1][3]):
            return _unresolved("ambiguous_path")
        return Resolution("resolved", good[0][0], None, True)


# -- the step --------------------------------------------------------------------------------------


def resolve_frames(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    *,
    gits: dict[str, GitRepo] | None = None,
    time_fallback: bool | None = None,
) -> dict:
    """Resolve the frames of every event that has none resolved yet; returns counts.

    `time_fallback` (default: `[attribution] time_fallback` in hindsight.toml, else off) places events
    without a known release at the newest default-branch commit before the event time, marked
    `revision_source = 'time_fallback'`.
    """
    if time_fallback is None:
        time_fallback = bool(config.raw.get("attribution", {}).get("time_fallback", False))
    own = gits is None
    gits = gits if gits is not None else {r.name: GitRepo(r.path) for r in config.repositories}
    try:
        run_sql_file(con, "queries/attribution/delete_stale_resolutions", [time_fallback])
        events = con.sql(read_sql("queries/attribution/select_pending_events")).pl()
        if events.is_empty():
            return {"events": 0, "frames": 0, "distinct_frames": 0}
        revs = event_revisions(con, config, gits, events, time_fallback)
        con.register("attr_event_revisions", revs.to_arrow())
        run_sql_file(con, "queries/attribution/create_pending_frames")
        keys = con.sql(read_sql("queries/attribution/select_pending_frame_keys")).pl()
        resolvers = {name: FrameResolver(config.repository(name), g) for name, g in gits.items()}
        results = []
        for k in keys.iter_rows(named=True):  # one iteration per DISTINCT frame, not per event
            res = resolvers[k["repo"]].resolve(
                k["revision"],
                k["abs_path"],
                k["filename"],
                k["lineno"],
                k["context_line"],
                k["pre_context"],
                k["post_context"],
                k["in_app"],
                k["module"],
            )
            results.append((k["key_id"], res.status, res.repo_path, res.reason, res.verified))
        con.register(
            "attr_key_results", pl.DataFrame(results, schema=_RESULT_SCHEMA, orient="row").to_arrow()
        )
        con.execute("BEGIN TRANSACTION")
        run_sql_file(con, "queries/attribution/insert_frame_resolutions")
        con.execute("COMMIT")
        frames = con.sql(read_sql("queries/attribution/count_pending_frames")).fetchall()[0][0]
        con.unregister("attr_key_results")
        con.unregister("attr_event_revisions")
        con.execute("DROP TABLE IF EXISTS attr_pending_frames")
        return {"events": events.height, "frames": frames, "distinct_frames": keys.height}
    finally:
        if own:
            for g in gits.values():
                g.close()
