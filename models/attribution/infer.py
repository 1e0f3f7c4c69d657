"""Revision inference: which commit ran, when the event's release string does not say.

For release strings that name no revision (`0.54.7-dev`, `0.86.2.dev45` without a hash, `0.82.3.dev+import`,
`unknown`, ...; see `models.history.releases.release_hint`), the candidate revision whose files match
the most of the event's frames (context line equal, as in frame resolution) is taken, and recorded as
such (`revision_how = 'inferred'`, `revision_agreeing` = frames that matched, `detail` = the evidence).

Candidates: the commits after the release below the version the string builds on, up to the release
above it (the default-branch head when there is none), and the default branch's commits that descend
from the release below and from no later release (a release tagged beside the default branch leaves the
branch building on the release below): both "dev build before 0.54.7" and "dev build after 0.54.7"
conventions fall in there. A development version is no release's own commit (that one prints the
release): release commits come last, in states of their own, and one is taken only when no other commit
matches as many frames (psf/requests: a build of `main` after v2.23.0 was tagged beside it, whose
version line main wrote in a commit of its own, was put on the release commit). A string without a usable version ('unknown', '0.0.0') has
every release as a candidate; when the best releases leave frames unmatched, the build may be a commit
between releases, so the commits from the release below the best ones to the release above them are
compared too, and taken instead when one of them matches more frames.

The work is batched per release string: candidates are grouped by *file state* (the blob of every path
carrying one of the frames' file names, read through the repository's trees, cached by object id, so
the subtrees candidates share are read once); a state is a run of consecutive candidates (newest first,
as `git rev-list` lists them) with the same blobs, so a file reverted to older content is a new state
(blame differs there). Each state is resolved at its oldest commit, each distinct frame once per blobs
of the files carrying its name (states that differ only in other files share it); the blames that
settle a tie run in the background while the other events are decided.

Per event, a state scores (frames whose line matches, neighbour lines that match too). One best state
wins. States that tie must match the same frames in the same files; they are then compared by `git
blame -w` of the matching lines (at the oldest and newest tied state of every run of candidates with the
same blobs for those files, or of the whole tie when there are many runs): if all blame every matching
line to the same commit, the choice cannot change the attribution and the oldest state is taken (the
detail says so); otherwise the event stays unresolved with reason `ambiguous_release`. No state matching
any frame leaves it `unknown_release`. Nothing is silent: the detail says how many candidates and states
were compared.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import duckdb
import polars as pl
from packaging.version import InvalidVersion, Version

from models.attribution import paths as P
from models.attribution.blame import DEFAULT_WORKERS
from models.attribution.gitrepo import GitError, GitRepo
from models.config import RepositoryConfig
from models.history.releases import ReleaseHint, release_hint
from models.warehouse import execute, read_sql

log = logging.getLogger(__name__)

MAX_CANDIDATES = 2000  # commits compared per release string (newest first when the range is longer)
MAX_PATHS = 300  # paths whose blobs tell states apart (a file name like __init__.py can have many)
MAX_TIED = 12  # runs of tied states whose ends are blamed; beyond, only the tie's oldest and newest state

FrameKey = tuple  # (abs_path, filename, module, lineno, context_line, pre_context, post_context, in_app)


@dataclass(frozen=True)
class Decision:
    revision: str | None
    agreeing: int | None
    reason: str | None  # None (placed) | 'ambiguous_release' | 'unknown_release'
    detail: str


@dataclass(frozen=True)
class _Release:
    release: str
    version: Version
    sha: str
    service: str | None


class ReleaseInference:
    """Revision inference for the events of one repository (see the module docstring)."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, repo: RepositoryConfig, git: GitRepo, resolver, workers: int = DEFAULT_WORKERS
    ):
        self.con, self.repo, self.git, self.resolver = con, repo, git, resolver
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers))  # the blames that settle ties
        self._blames: dict[tuple[str, str, tuple[int, ...]], Future] = {}
        self.releases: list[tuple[str, str | None, str, str | None]] = []  # release, version, sha, service
        for release, version, sha, _at, service in con.execute(
            read_sql("queries/attribution/select_release_index"), [repo.name]
        ).fetchall():
            self.releases.append((release, version, sha, service))
        self.released = {sha for _rel, _v, sha, _s in self.releases}
        self._beside_head: dict[str, bool] = {}
        self._states: dict[tuple, tuple[list[str], list[list[str]], str, tuple]] = {}
        self._candidates: dict[tuple, tuple[list[str], str]] = {}
        self._signatures: dict[tuple[str, ...], dict[str, tuple]] = {}  # paths -> {commit: their blobs}
        self._resolved: dict[tuple, object] = {}  # (revision, frame) or (frame, blobs of its files) -> resolution

    # -- candidates ------------------------------------------------------------------------------
    def _versioned(self, service: str | None) -> list[_Release]:
        out = []
        same_service = [r for r in self.releases if service and r[3] == service]
        for release, version, sha, rservice in same_service or self.releases:
            try:
                out.append(_Release(release, Version(version or release.rpartition("@")[2]), sha, rservice))
            except InvalidVersion:
                continue
        return out

    def _head(self) -> str | None:
        branch = self.repo.default_branch
        return self.git.commit_sha(f"refs/heads/{branch}") or self.git.commit_sha(branch)

    def candidates(self, hint: ReleaseHint) -> tuple[list[str], str]:
        """(candidate commits newest first, what they are in words)."""
        if hint.base is None:
            seen, shas = set(), []
            for _rel, _v, sha, _s in self.releases:
                if sha not in seen:
                    seen.add(sha)
                    shas.append(sha)
            return shas, f"all {len(shas)} releases (the string gives no version)"
        rels = self._versioned(hint.service)
        if not rels:
            return [], f"no releases to place {hint.base} between"
        base = _numbers(Version(hint.base))
        shas, where = self._span(rels, base, base)
        if hint.form == "dev":  # a release's own commit prints that release: compared last, taken last
            own = [sha for sha in shas if sha not in self.released]
            if len(own) < len(shas):
                where += f" ({len(shas) - len(own)} of them release commits, taken only when no other matches as well)"
            shas = own + [sha for sha in shas if sha in self.released]
        return shas, where

    def _span(self, rels: list[_Release], low: tuple[int, ...], high: tuple[int, ...]) -> tuple[list[str], str]:
        """The commits after the release below `low` up to the release above `high` (the default-branch
        head when there is none), newest first, and what they are in words. When the release above was
        tagged beside the default branch, the branch's commits that descend from the release below and from
        no release above `high` too: they still build on the release below."""
        below = [r for r in rels if _numbers(r.version) < low]
        above = [r for r in rels if _numbers(r.version) > high]
        lower = max(below, key=lambda r: r.version) if below else None
        upper = min(above, key=lambda r: r.version) if above else None
        head = self._head()
        top = upper.sha if upper else head
        if top is None:
            return [], "no default-branch head"
        bottom = [lower.sha] if lower else []
        if upper and head and self._beside(upper.sha, head):
            # a release tagged beside the default branch: the branch's next commits still build on the one
            # below, up to a later release (one walk of both histories, in git's order)
            graph = self.git.rev_parents([top, head], bottom)
            below_top = _ancestors(graph, top)
            after_lower = _descendants(graph, {lower.sha}) if lower else {sha for sha, _ in graph}
            later = _descendants(graph, {r.sha for r in rels if _numbers(r.version) > high})
            shas = [sha for sha, _ in graph if sha in below_top or (sha in after_lower and sha not in later)]
            shas = shas[:MAX_CANDIDATES]
        else:
            shas = self.git.rev_list([top], bottom, max_count=MAX_CANDIDATES)
        if lower and lower.sha not in shas:
            shas.append(lower.sha)
        where = f"from {lower.release}" if lower else "up from the first commit"
        to = f"to {upper.release}" if upper else f"to the head of {self.repo.default_branch}"
        capped = f", newest {MAX_CANDIDATES}" if len(shas) >= MAX_CANDIDATES else ""
        return shas, f"{len(shas)} commits {where} {to}{capped}"

    def _beside(self, release: str, head: str) -> bool:
        """The release commit is not in the default branch's history (tagged on a branch of its own)."""
        if release not in self._beside_head:
            self._beside_head[release] = not self.git.is_ancestor(release, head)
        return self._beside_head[release]

    def _states_around(
        self, hint: ReleaseHint, releases: list[str], keys: list[FrameKey]
    ) -> tuple[list[str], list[list[str]], str, tuple] | None:
        """`states` of the commits from the release below the given release commits to the release above
        them, or None when none of them is a versioned release."""
        rels = self._versioned(hint.service)
        versions = [_numbers(r.version) for r in rels if r.sha in set(releases)]
        if not versions:
            return None
        low, high = min(versions), max(versions)
        return self.states(("between", low, high, hint.service), lambda: self._span(rels, low, high), keys)

    # -- file states -----------------------------------------------------------------------------
    def _paths(self, basenames: set[str], probes: list[str]) -> list[str]:
        names = sorted(basenames)
        rows = self.con.execute(read_sql("queries/attribution/select_paths_by_basename"), [self.repo.name, names])
        found = {r[0] for r in rows.fetchall()}
        for rev in probes:  # what the ingested history may not list (e.g. a shallow clone's boundary)
            try:
                found |= {p for p in self.git.tree(rev) if p.rsplit("/", 1)[-1] in basenames}
            except GitError:
                continue
        return sorted(found)[:MAX_PATHS], len(found) <= MAX_PATHS

    def _blobs(self, cands: list[str], paths: list[str]) -> dict[str, tuple]:
        """{candidate: the blob of each of `paths` there}, cached across events (read through the
        repository's cached trees: see `GitRepo.file_signatures`)."""
        known = self._signatures.setdefault(tuple(paths), {})
        todo = [c for c in cands if c not in known]
        if todo:
            known.update(zip(todo, self.git.file_signatures(todo, paths), strict=True))
        return known

    def states(self, scope: tuple, candidates, keys: list[FrameKey]) -> tuple[list[str], list[list[str]], str, tuple]:
        """(candidates, file states as runs of candidates newest first, description, the paths that tell
        them apart and whether those are all the paths carrying the frames' file names), cached per
        `scope` (what names the candidates) and file names; `candidates()` lists them the first time."""
        basenames = {_basename(k) for k in keys} - {None}
        cache_key = (scope, tuple(sorted(basenames)))
        if cache_key in self._states:
            return self._states[cache_key]
        if scope not in self._candidates:
            self._candidates[scope] = candidates()
        cands, where = self._candidates[scope]
        runs: list[list[str]] = []
        paths, complete = [], False
        if cands:
            paths, complete = self._paths(basenames, [cands[0], cands[-1]])
            blobs = self._blobs(cands, paths)
            previous = None
            demoted = self.released if scope[-1] is True else set()  # a development version's scope
            for c in cands:
                signature = (blobs[c], c in demoted)  # release commits compared last form their own states
                if signature != previous:
                    runs.append([])
                runs[-1].append(c)
                previous = signature
        result = (cands, runs, where, (tuple(paths), complete))
        self._states[cache_key] = result
        return result

    # -- one event -------------------------------------------------------------------------------
    def _resolve(self, revision: str, key: FrameKey, blobs: tuple | None = None):
        """The frame resolved at `revision`: once per (revision, frame), or, given the blobs there of the
        files carrying its name, once per (frame, those blobs), on which alone its resolution depends
        (not a `missing_object` one: a tree the store lacks is not told by blobs)."""
        memo = (revision, key) if blobs is None else (key, blobs)
        found = self._resolved.get(memo)
        if found is None:
            abs_path, filename, module, lineno, context, pre, post, in_app = key
            found = self.resolver.resolve(
                revision, abs_path, filename, lineno, context, list(pre or []), list(post or []), in_app, module
            )
            if blobs is None or found.reason != "missing_object":
                self._resolved[memo] = found
        return found

    def _blame_later(self, jobs: list[tuple[str, str, tuple[int, ...]]]) -> dict[tuple, Future]:
        """Start `git blame -w` of each (revision, path, lines) in the background, once per run; each
        future gives {line: commit}, or None when git fails. The caller goes on with other events
        meanwhile (git does the work; lines blamed before come from `GitRepo.blame`'s cache)."""
        for job in jobs:
            if job not in self._blames:
                self._blames[job] = self._pool.submit(self._blame, job)
        return {job: self._blames[job] for job in jobs}

    def _blame(self, job: tuple[str, str, tuple[int, ...]]) -> dict[int, str] | None:
        try:
            blamed, _ = self.git.blame(job[0], job[1], list(job[2]), at=self.git.blame_origin(job[0], job[1]))
        except GitError:
            return None
        return {b.line: b.commit_sha for b in blamed}

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def decide(self, release: str, keys: list[FrameKey]) -> Decision | Callable[[], Decision]:
        """The revision one event ran, inferred from its frames (see the module docstring): at once, or,
        for a tie, how to settle it once the blames it needs (started now) are done."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return Decision(None, None, "unknown_release", "no frame carries a source line to infer the revision from")
        hint = release_hint(release)
        scope = (hint.base, hint.service, hint.form == "dev")  # what names the candidates
        cands, states, where, told = self.states(scope, lambda: self.candidates(hint), keys)
        if not cands:
            return Decision(None, None, "unknown_release", f"no candidate revisions: {where}")
        scored = self._scored(states, keys, told)
        best = max(s[0] for s in scored)
        if hint.base is None and 0 < best[0] < len(keys):
            # Only releases were compared and the best leave frames unmatched: the build may be a commit
            # between them and their neighbours, so those commits are compared (replacing the releases
            # only when one of them matches more frames).
            leaders = [sha for members, s in zip(states, scored, strict=True) if s[0] == best for sha in members]
            near = self._states_around(hint, leaders, keys)
            near_scored = self._scored(near[1], keys, near[3]) if near and near[0] else []
            if near_scored and max(s[0] for s in near_scored)[0] > best[0]:
                cands, states, scored = near[0], near[1], near_scored
                where = f"{where}, then {near[2]} around the best of them"
                best = max(s[0] for s in scored)
        order = {sha: i for i, sha in enumerate(cands)}  # larger = older
        frames = f"{len(keys)} frames"
        if best[0] == 0:
            return Decision(
                None, None, "unknown_release",
                f"no candidate matches any of {frames}: {where}, {len(states)} file states",
            )  # fmt: skip
        tied = [s for s in scored if s[0] == best]
        if hint.form == "dev" and any(s[1] not in self.released for s in tied):
            tied = [s for s in tied if s[1] not in self.released]  # a development build, not the release
        evidence = f"{best[0]} of {frames} match; {where}, {len(states)} file states"
        if len(tied) == 1:
            return Decision(tied[0][1], best[0], None, f"inferred: {evidence}")
        verdict = self._tie_breaks(tied, cands)
        oldest = max(tied, key=lambda s: order[s[1]])

        def settle() -> Decision:
            why = verdict()
            if why is not None:
                return Decision(None, None, "ambiguous_release", f"{len(tied)} file states tie ({why}): {evidence}")
            return Decision(
                oldest[1], best[0], None,
                f"inferred: {evidence}; {len(tied)} states tie and blame every matching line to the same commit",
            )  # fmt: skip

        return settle

    def _scored(self, states: list[list[str]], keys: list[FrameKey], told: tuple) -> list[tuple]:
        """Per file state: ((frames whose line matches, neighbour lines matching), its commit, {frame: path}).

        A frame's resolution depends only on the files carrying its file name: states with the same blobs
        for those (`told`: the paths that tell the states apart, and whether they are all such paths)
        share it."""
        paths, complete = told
        blobs = self._signatures.get(paths, {}) if complete else {}
        named = {k: [i for i, p in enumerate(paths) if p.rsplit("/", 1)[-1] == _basename(k)] for k in keys}
        scored = []
        for members in states:
            rep = members[-1]  # the oldest commit of the state stands for it
            sig = blobs.get(rep)
            agree: dict[FrameKey, str] = {}
            near = 0
            for k in keys:
                r = self._resolve(rep, k, None if sig is None else tuple(sig[i] for i in named[k]))
                if r.status == "resolved" and r.verified:
                    agree[k] = r.repo_path
                    near += r.neighbours
            scored.append(((len(agree), near), rep, agree))
        return scored

    def _tie_breaks(self, tied: list, cands: list[str]) -> Callable[[], str | None]:
        """How to tell, once the blames it starts are done, whether the tied states can change the
        attribution: None when they cannot, else why they can.

        The tied states must match the same frames in the same files. Candidates are then cut into runs
        by the blobs of just those files: tied states in one run differ only in other files. Blame of the
        matching lines at the oldest and the newest tied state of every run (of the whole tie when there
        are more than MAX_TIED runs) must name the same commits.
        """
        first = tied[0][2]
        if any(t[2] != first for t in tied[1:]):
            return lambda: "different frames or files match"
        files = sorted(set(first.values()))
        blobs = self._blobs(cands, files)
        run_of, run, previous = {}, -1, None
        for c in cands:
            signature = blobs[c]
            run += signature != previous
            run_of[c], previous = run, signature
        order = {sha: i for i, sha in enumerate(cands)}
        ends: dict[int, list[str]] = {}
        for _score, rep, _agree in tied:
            ends.setdefault(run_of[rep], []).append(rep)
        if len(ends) <= MAX_TIED:
            probes = {r for reps in ends.values() for r in (min(reps, key=order.get), max(reps, key=order.get))}
        else:  # a line blamed alike at both ends was not changed in between (on a linear history)
            reps = [t[1] for t in tied]
            probes = {min(reps, key=order.get), max(reps, key=order.get)}
        by_path: dict[str, set[int]] = {}
        for k, path in first.items():
            by_path.setdefault(path, set()).add(k[3])
        jobs = [(rep, path, tuple(sorted(lines))) for rep in sorted(probes) for path, lines in by_path.items()]
        blames = self._blame_later(jobs)

        def verdict() -> str | None:
            answers = []
            for rep in sorted(probes):
                got = {}
                for path, lines in by_path.items():
                    blamed = blames[(rep, path, tuple(sorted(lines)))].result()
                    if blamed is None:
                        return "blame failed"
                    got.update({(path, n): c for n, c in blamed.items()})
                answers.append(got)
            return None if all(a == answers[0] for a in answers[1:]) else "blame differs"

        return verdict


def _ancestors(graph: list[tuple[str, tuple[str, ...]]], tip: str) -> set[str]:
    """The commits of `graph` ((commit, parents)) that `tip` reaches: itself and its ancestors there."""
    parents = dict(graph)
    found, stack = set(), [tip]
    while stack:
        commit = stack.pop()
        if commit in parents and commit not in found:
            found.add(commit)
            stack.extend(parents[commit])
    return found


def _descendants(graph: list[tuple[str, tuple[str, ...]]], roots: set[str]) -> set[str]:
    """The commits of `graph` ((commit, parents), newest first) that are one of `roots` or descend from one."""
    parents = dict(graph)
    found: dict[str, bool] = {}
    for start in parents:
        stack = [start]
        while stack:  # parents first, without recursion (a history is deep)
            commit = stack[-1]
            if commit in found:
                stack.pop()
                continue
            pending = [p for p in parents[commit] if p in parents and p not in found]
            if pending:
                stack.extend(pending)
                continue
            found[commit] = commit in roots or any(found.get(p, p in roots) for p in parents[commit])
            stack.pop()
    return {c for c, held in found.items() if held}


def _numbers(version: Version) -> tuple[int, ...]:
    """The release numbers without trailing zeros: 2.31 and 2.31.0 are the same release."""
    numbers = list(version.release)
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers)


def _basename(key: FrameKey) -> str | None:
    raw = key[0] or key[1]
    if not raw or P.is_hostile(raw):
        return None
    return P.normalise(raw).rsplit("/", 1)[-1] or None


def infer_revisions(
    con: duckdb.DuckDBPyConnection,
    config,
    gits: dict[str, GitRepo],
    resolvers: dict,
    events: pl.DataFrame,
) -> pl.DataFrame:
    """Place the events left `unknown_release` (with a release string) by inference; other rows unchanged.

    `events` has the columns of `resolve.event_revisions` plus `release`; returns the same columns.
    """
    todo = events.filter(
        (pl.col("reason") == "unknown_release")
        & pl.col("repo").is_not_null()
        & (pl.col("release").str.strip_chars().str.len_chars() > 0)
    )
    if todo.is_empty():
        return events
    frames = execute(con, read_sql("queries/attribution/select_inference_frames"), attr_infer_events=todo.select("event_id")).pl()
    keys_of: dict[str, list[FrameKey]] = {}
    for f in frames.iter_rows(named=True):
        key = (
            f["abs_path"], f["filename"], f["module"], f["lineno"], f["context_line"],
            tuple(f["pre_context"] or ()), tuple(f["post_context"] or ()), f["in_app"],
        )  # fmt: skip
        keys_of.setdefault(f["event_id"], []).append(key)
    engines: dict[str, ReleaseInference] = {}
    decisions = []
    try:
        for (repo, release), group in todo.group_by(["repo", "release"], maintain_order=True):
            if repo not in engines:
                engines[repo] = ReleaseInference(con, config.repository(repo), gits[repo], resolvers[repo])
            for event_id in group["event_id"].to_list():
                decisions.append((event_id, engines[repo].decide(release, keys_of.get(event_id, []))))
        # ties are settled last: their blames ran in the background while the other events were decided
        decisions = [(e, d if isinstance(d, Decision) else d()) for e, d in decisions]
    finally:
        for engine in engines.values():
            engine.close()
    rows = [(event_id, d.revision, d.agreeing, d.reason, d.detail) for event_id, d in decisions]
    decided = pl.DataFrame(
        rows,
        schema={"event_id": pl.Utf8, "i_rev": pl.Utf8, "i_agree": pl.Int32, "i_reason": pl.Utf8, "i_detail": pl.Utf8},
        orient="row",
    )
    placed = pl.col("i_rev").is_not_null()
    inferred = pl.col("i_detail").is_not_null()
    return (
        events.join(decided, on="event_id", how="left")
        .with_columns(
            pl.coalesce("revision", "i_rev").alias("revision"),
            pl.when(placed).then(pl.lit("inferred")).otherwise(pl.col("revision_source")).alias("revision_source"),
            pl.when(placed).then(pl.lit("inferred")).otherwise(pl.col("revision_how")).alias("revision_how"),
            pl.when(placed).then(pl.col("i_agree")).otherwise(pl.col("revision_agreeing")).alias("revision_agreeing"),
            pl.when(inferred).then(pl.col("i_reason")).otherwise(pl.col("reason")).alias("reason"),
            pl.when(inferred).then(pl.col("i_detail")).otherwise(pl.col("detail")).alias("detail"),
        )
        .drop("i_rev", "i_agree", "i_reason", "i_detail")
    )
