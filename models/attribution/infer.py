"""Revision inference: which commit ran, when the event's release string does not say.

For release strings that name no revision (`0.54.7-dev`, `0.86.2.dev45` without a hash, `0.82.3.dev+import`,
`unknown`, ...; see `models.history.releases.release_hint`), the candidate revision whose files match
the most of the event's frames (context line equal, as in frame resolution) is taken, and recorded as
such (`revision_how = 'inferred'`, `revision_agreeing` = frames that matched, `detail` = the evidence).

Candidates: the commits that build on the release below the version the string builds on (descend from
it: a branch forked before it and merged later prints an older version), up to the release above it
(the default-branch head when there is none; a release tagged on an older commit than the one below,
as psf/requests' v2.16.3, is passed over for the next one), and the default branch's commits that
descend from the release below and from no later release (a release tagged beside the default branch
leaves the branch building on the release below): both "dev build before 0.54.7" and "dev build after
0.54.7" conventions fall in there. A development version is no release's own commit (that one prints the
release): release commits come last, in states of their own, and one is taken only when no other commit
matches as many frames (psf/requests: a build of `main` after v2.23.0 was tagged beside it, whose
version line main wrote in a commit of its own, was put on the release commit). A string without a
usable version ('unknown', '0.0.0') has every release as a candidate; the build may as well be a commit
between releases, so the commits from the release below the best ones to the release above them are
compared too, and replace the releases when one of them matches at least as well: one matching more
frames or neighbour lines is taken, and one matching as many joins the tie with the best releases' own
states (settled by blame, below: its lines may be another commit's, as psf/requests' version line,
written for 0.10.2, changed, and written again before v0.10.2 was tagged). A state holding one of the
best releases stands for that release. When frames are still left unmatched, the commits of the
repository's other branches (local and remote-tracking) that build on the same release below and on no
later release are compared as well (a maintenance branch, or a branch newer than the configured one),
each branch in states of its own, and taken only when one of them matches more frames. A string without a usable version whose frames no candidate matches all of has,
last, every version of the frames' files on the default branch compared (the commits that changed them,
newest 2,000, found by `git rev-list -- <paths>`), and one is taken only when it matches every frame.

The work is batched per release string: candidates are grouped by *file state* (the blob of every path
carrying one of the frames' file names, read through the repository's trees, cached by object id, so
the subtrees candidates share are read once, and the blob of `.git-blame-ignore-revs`, which blame
honours); a state is a run of consecutive candidates (newest first, as `git rev-list` lists them) with
the same blobs, so a file reverted to older content, or a change of the ignore list, is a new state
(blame differs there). Each state is resolved at its oldest commit, each distinct frame once per blobs
of the files carrying its name (states that differ only in other files share it); the blames that
settle a tie run in the background while the other events are decided.

Per event, a state scores (frames whose line matches, neighbour lines that match too). One best state
wins. States that tie must match the same frames. A `.devN` version without a hash (setuptools-scm: N
commits past the release below, as `git describe` counts) settles a tie when exactly one tied state holds
a commit at that distance: that commit is taken. Otherwise the tied states are compared by `git blame -w`
of the matching lines, in the file each of them holds the line in (a package moved to `src/` between two
releases: git blame follows the move), at the oldest and newest tied state of every run of candidates with
the same blobs for those files (or of the whole tie when there are many runs): if all blame every frame's
line to the same commit, the choice cannot change the attribution and the oldest state is taken (the
detail says so); otherwise the event stays unresolved with reason `ambiguous_release`. No state matching
any frame leaves it `unknown_release`; so does, for a string without a usable version, a best match
that lacks a file a frame ran in (the repository's history has it elsewhere): that revision is not the
build, and a line matching there may be another commit's. Nothing is silent: the detail says how many
candidates and states were compared.
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
from models.attribution.gitrepo import IGNORE_REVS_FILE, GitError, GitRepo
from models.config import RepositoryConfig
from models.history.releases import ReleaseHint, release_hint
from models.warehouse import execute, read_sql

log = logging.getLogger(__name__)

MAX_CANDIDATES = 2000  # commits compared per release string (newest first when the range is longer)
MAX_PATHS = 300  # paths whose blobs tell states apart (a file name like __init__.py can have many)
MAX_WALKED = 200_000  # commits walked to find other branches' candidates (the walk is held in memory)
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
        self._held: dict[tuple[str, str], bool] = {}  # (commit, ancestor): the ancestor is in its history
        self._branch_of: dict[str, int] = {}  # a commit of another branch -> that branch (see _off_branch)
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
        """The commits that descend from the release below `low`, up to the release above `high` (the
        default-branch head when there is none), newest first, and what they are in words. When the release
        above was tagged beside the default branch, the branch's commits that descend from the release below
        and from no release above `high` too: they still build on the release below."""
        lower, upper = _bounds(rels, low, high)
        if lower and upper and self._holds(lower.sha, upper.sha):
            # a release tagged on an older commit than the release below (psf/requests' v2.16.3 is an ancestor
            # of v2.16.1): nothing lies between them; the next release above that is no such commit closes
            upper = self._next_not_held(rels, lower, upper)
        head = self._head()
        top = upper.sha if upper else head
        if top is None:
            return [], "no default-branch head"
        bottom = [lower.sha] if lower else []
        if upper and head and not self._holds(head, upper.sha):  # the release is not in the branch's history
            # a release tagged beside the default branch: the branch's next commits still build on the one
            # below, up to a later release (one walk of both histories, in git's order)
            graph = self.git.rev_parents([top, head], bottom, descending=True)
            below_top = set(_first_reached(graph, [top]))
            building = _building_on(graph, rels, lower, high)
            shas = [sha for sha, _ in graph if sha in below_top or sha in building]
            shas = shas[:MAX_CANDIDATES]
        else:  # only commits that build on the release below: a branch forked before it and merged later
            # prints an older version, and its lines may be another commit's (psf/requests: a merge from an
            # older master, the same utils.py as the build's, a line blamed to a commit of its own)
            shas = self.git.rev_list([top], bottom, max_count=MAX_CANDIDATES, descending=True)
        if lower and lower.sha not in shas:
            shas.append(lower.sha)
        where = f"from {lower.release}" if lower else "up from the first commit"
        to = f"to {upper.release}" if upper else f"to the head of {self.repo.default_branch}"
        capped = f", newest {MAX_CANDIDATES}" if len(shas) >= MAX_CANDIDATES else ""
        return shas, f"{len(shas)} commits {where} {to}{capped}"

    def _holds(self, commit: str, ancestor: str) -> bool:
        """`ancestor` is `commit` or in its history (cached: asked once per pair of commits)."""
        if (commit, ancestor) not in self._held:
            self._held[(commit, ancestor)] = self.git.is_ancestor(ancestor, commit)
        return self._held[(commit, ancestor)]

    def _next_not_held(self, rels: list[_Release], lower: _Release, upper: _Release) -> _Release | None:
        """The lowest release above `upper` whose commit is not in the history of `lower`'s, else None."""
        later = sorted((r for r in rels if _numbers(r.version) > _numbers(upper.version)), key=lambda r: r.version)
        return next((r for r in later if not self._holds(lower.sha, r.sha)), None)

    def _off_branch(self, rels: list[_Release], low: tuple[int, ...], high: tuple[int, ...]) -> tuple[list[str], str]:
        """The commits of the repository's other branches (local and remote-tracking) that the default
        branch does not hold, that descend from the release below `low` and from no release above `high`
        (they build on the same release), newest first, and what they are in words."""
        lower, _upper = _bounds(rels, low, high)
        head = self._head()
        tips = [sha for sha in self.git.branch_heads() if sha != head]
        if not tips or head is None or lower is None:
            return [], "no other branches" if lower else "no release below to build on"
        graph = self.git.rev_parents([*tips, head], [lower.sha], max_count=MAX_WALKED + 1)  # one walk
        if len(graph) > MAX_WALKED:  # memory bound: a monorepo's branches far past an old release
            log.warning("other branches not compared: more than %d commits from %s", MAX_WALKED, lower.release)
            return [], f"other branches: more than {MAX_WALKED} commits from {lower.release}, not compared"
        building = _building_on(graph, rels, lower, high)
        branch_of = _first_reached(graph, [head, *tips])  # 0: the default branch
        kept = [sha for sha, _ in graph if sha in building and branch_of[sha]]
        # each branch's commits together, and in states of their own: two branches may hold the same file
        # content, written by different commits
        shas = sorted(kept, key=branch_of.get)[:MAX_CANDIDATES]
        self._branch_of.update((sha, branch_of[sha]) for sha in shas)
        return shas, f"{len(shas)} commits of other branches from {lower.release}"

    def _states_off_branch(
        self, hint: ReleaseHint, leaders: list[str], keys: list[FrameKey]
    ) -> tuple[list[str], list[list[str]], str, tuple] | None:
        """`states` of `_off_branch` around the string's version, or (no version) around the versions of
        the release commits among `leaders`; None when there is no version to go by."""
        rels = self._versioned(hint.service)
        if hint.base is not None:
            low = high = _numbers(Version(hint.base))
        elif (span := _version_span(rels, leaders)) is None:
            return None
        else:
            low, high = span
        scope = ("off branch", low, high, hint.service, hint.form == "dev")
        return self.states(scope, lambda: self._off_branch(rels, low, high), keys)

    def _at_distance(self, hint: ReleaseHint, commits: list[str]) -> set[str]:
        """Those of `commits` that lie `hint.distance` commits past the release below the string's version,
        as `git describe` (and so setuptools-scm) counts: commits they reach and that release does not."""
        if hint.base is None:
            return set()
        base = _numbers(Version(hint.base))
        lower, _upper = _bounds(self._versioned(hint.service), base, base)
        if lower is None:
            return set()
        counts = _ancestor_counts(self.git.rev_parents(commits, [lower.sha]))
        return {c for c in commits if counts.get(c) == hint.distance}

    def _states_around(
        self, hint: ReleaseHint, releases: list[str], keys: list[FrameKey]
    ) -> tuple[list[str], list[list[str]], str, tuple] | None:
        """`states` of the commits from the release below the given release commits to the release above
        them, or None when none of them is a versioned release."""
        rels = self._versioned(hint.service)
        if (span := _version_span(rels, releases)) is None:
            return None
        low, high = span
        return self.states(("between", low, high, hint.service), lambda: self._span(rels, low, high), keys)

    def _states_touching(self, hint: ReleaseHint, keys: list[FrameKey]) -> tuple[list[str], list[list[str]], str, tuple]:
        """`states` of the default branch's commits that changed a file carrying one of the frames' names
        (or the blame ignore list), over its whole history, newest first: each made a new version of
        those files."""
        basenames = {_basename(k) for k in keys} - {None}

        def touching() -> tuple[list[str], str]:
            head = self._head()
            paths = self._paths(basenames, [head])[0] if head else []
            shas = self.git.commits_touching(head, [*paths, IGNORE_REVS_FILE], MAX_CANDIDATES) if paths else []
            return shas, f"{len(shas)} commits of {self.repo.default_branch} that changed those files"

        return self.states(("touching", tuple(sorted(basenames)), hint.service), touching, keys)

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
            # blame honours the revision's ignore list: where it changes, blame may change too (psf/requests
            # listed its formatting commit there soon after making it)
            paths = [*paths, IGNORE_REVS_FILE]
            blobs = self._blobs(cands, paths)
            previous = None
            demoted = self.released if scope[-1] is True else set()  # a development version's scope
            for c in cands:
                # release commits compared last, and the commits of each other branch, form states of their own
                signature = (blobs[c], c in demoted, self._branch_of.get(c))
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
        leaders = [sha for members, s in zip(states, scored, strict=True) if s[0] == best for sha in members]
        standing: set[str] = set()  # release commits that stand for the file state holding them
        if hint.base is None and best[0] > 0:
            # Only releases were compared. The build may be a commit between the best of them and their
            # neighbours: one that matches more frames or neighbour lines, or as many while another commit
            # wrote its lines (a line written again with the same text, a changed blame ignore list:
            # psf/requests' version line went 0.10.2, 0.10.3, 0.10.2 again before v0.10.2 was tagged). So
            # those commits are compared, and replace the releases when one matches at least as well; a tie
            # among them is settled by blame below, and a state holding a best release stands for it.
            found = self._more_frames(self._states_around(hint, leaders, keys), keys, best, as_well=True)
            if found:
                cands, states, scored, also = found
                where, best = f"{where}, then {also} around the best of them", max(s[0] for s in scored)
                standing = set(leaders)
        if best[0] < len(keys) and (best[0] > 0 or hint.base is not None):
            # Frames still unmatched: the build may come from a branch the default branch does not hold (a
            # maintenance branch, a branch deployed for testing); that branch's commits building on the same
            # release are compared, and taken only when one of them matches more frames (with no version
            # to go by, only around releases that match some frames).
            found = self._more_frames(self._states_off_branch(hint, leaders, keys), keys, best)
            if found:
                cands, states, scored, also = found
                where, best = f"{where}, then {also}", max(s[0] for s in scored)
        if hint.base is None and best[0] < len(keys):
            # No version, and no release or commit near one holds every frame's line: every version of the
            # frames' files on the default branch is compared (the commits that changed them), and one is
            # taken only when it matches every frame.
            found = self._more_frames(self._states_touching(hint, keys), keys, best)
            if found and max(s[0] for s in found[2])[0] == len(keys):
                cands, states, scored, also = found
                where, best = f"{where}, then {also}", max(s[0] for s in scored)
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
        if hint.base is None and all(t[3] for t in tied):
            # no version to go by, and the best revisions lack a file a frame ran in: not the build (a line
            # that matches there may well be another commit's, written at another time)
            return Decision(
                None, None, "unknown_release", f"the best revisions lack {', '.join(tied[0][3])}: {evidence}"
            )  # fmt: skip
        tied = [t for t in tied if not t[3]] if hint.base is None else tied
        members_of = {members[-1]: members for members in states}

        def revision_of(state: str) -> str:
            """The commit recorded for a file state: the best release it holds, else its oldest commit."""
            return next((c for c in members_of[state] if c in standing), state)

        if len(tied) > 1 and hint.distance:
            # '.devN' as setuptools-scm writes it: N commits past the release below; the one tied state
            # holding such a commit settles the tie
            at = self._at_distance(hint, [c for t in tied for c in members_of[t[1]]])
            hits = [t for t in tied if at.intersection(members_of[t[1]])]
            if len(hits) == 1:
                exact = [c for c in members_of[hits[0][1]] if c in at]
                return Decision(
                    exact[0] if len(exact) == 1 else hits[0][1], best[0], None,
                    f"inferred: {evidence}; {len(tied)} states tie, and the version's .dev{hint.distance} "
                    f"({hint.distance} commits past the release below) names a commit of one of them",
                )  # fmt: skip
        if len(tied) == 1:
            return Decision(revision_of(tied[0][1]), best[0], None, f"inferred: {evidence}")
        verdict = self._tie_breaks(tied, cands)
        placements = {frozenset(t[2].items()) for t in tied}  # where each state holds the matching lines
        moved = " (a file sits at another path in some of them)" if len(placements) > 1 else ""
        holding = [t for t in tied if revision_of(t[1]) in standing]  # states holding one of the best releases
        chosen = revision_of(max(holding or tied, key=lambda s: order[s[1]])[1])  # the oldest of them

        def settle() -> Decision:
            why = verdict()
            if why is not None:
                return Decision(None, None, "ambiguous_release", f"{len(tied)} file states tie ({why}): {evidence}")
            return Decision(
                chosen, best[0], None,
                f"inferred: {evidence}; {len(tied)} states tie and blame every matching line to the same commit{moved}",
            )  # fmt: skip

        return settle

    def _more_frames(self, more: tuple | None, keys: list[FrameKey], best: tuple, *, as_well: bool = False) -> tuple | None:
        """(candidates, states, their scores, what they are) of `more` (a `states` result, or None) when one
        of its states matches more frames than `best` says (`as_well`: at least as well as `best`, neighbour
        lines counted), else None."""
        if not more or not more[0]:
            return None
        scored = self._scored(more[1], keys, more[3])
        top = max(s[0] for s in scored)
        return (more[0], more[1], scored, more[2]) if (top >= best if as_well else top[0] > best[0]) else None

    def _scored(self, states: list[list[str]], keys: list[FrameKey], told: tuple) -> list[tuple]:
        """Per file state: ((frames whose line matches, neighbour lines matching), its commit, {frame: path},
        the file names of frames it holds no file for, though the repository's history does).

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
            near, lacking = 0, set()
            for k in keys:
                r = self._resolve(rep, k, None if sig is None else tuple(sig[i] for i in named[k]))
                if r.status == "resolved" and r.verified:
                    agree[k] = r.repo_path
                    near += r.neighbours
                elif r.reason == "file_not_in_repo" and named[k]:
                    lacking.add(_basename(k))
            scored.append(((len(agree), near), rep, agree, sorted(lacking)))
        return scored

    def _tie_breaks(self, tied: list, cands: list[str]) -> Callable[[], str | None]:
        """How to tell, once the blames it starts are done, whether the tied states can change the
        attribution: None when they cannot, else why they can.

        The tied states must match the same frames; a frame may match in another file in some of them (a
        file moved: `requests/models.py` became `src/requests/models.py`). Per placement of the frames in
        files, candidates are cut into runs by the blobs of just those files: tied states in one run
        differ only in other files. Blame of the matching lines at the oldest and the newest tied state of
        every run (of the placement's whole tie when there are more than MAX_TIED runs) must name the same
        commit for each frame, wherever its file was (git blame follows a file across a rename).
        """
        matched = set(tied[0][2])
        if any(set(t[2]) != matched for t in tied[1:]):
            return lambda: "different frames match"
        order = {sha: i for i, sha in enumerate(cands)}
        placements: dict[frozenset, list[str]] = {}  # {(frame, path) pairs: the tied states placing them so}
        for _score, rep, agree, _lacking in tied:
            placements.setdefault(frozenset(agree.items()), []).append(rep)
        probes: list[tuple[str, dict[FrameKey, str]]] = []
        for placement, reps in placements.items():
            blobs = self._blobs(cands, [*sorted({path for _k, path in placement}), IGNORE_REVS_FILE])
            run_of, run, previous = {}, -1, None
            for c in cands:
                run += blobs[c] != previous
                run_of[c], previous = run, blobs[c]
            ends: dict[int, list[str]] = {}
            for rep in reps:
                ends.setdefault(run_of[rep], []).append(rep)
            # beyond MAX_TIED runs, the whole tie's ends: a line blamed alike at both ends of a linear run
            # was not changed in between
            groups = ends.values() if len(ends) <= MAX_TIED else [reps]
            ends_of = {r for g in groups for r in (min(g, key=order.get), max(g, key=order.get))}
            probes += [(rep, dict(placement)) for rep in sorted(ends_of)]
        jobs_of = []
        for rep, placed in probes:
            by_path: dict[str, set[int]] = {}
            for k, path in placed.items():
                by_path.setdefault(path, set()).add(k[3])
            jobs_of.append([(rep, path, tuple(sorted(lines))) for path, lines in by_path.items()])
        blames = self._blame_later([job for jobs in jobs_of for job in jobs])

        def verdict() -> str | None:
            answers = []
            for (_rep, placed), jobs in zip(probes, jobs_of, strict=True):
                blamed = {job[1]: blames[job].result() for job in jobs}
                if any(b is None for b in blamed.values()):
                    return "blame failed"
                answers.append({k: blamed[path][k[3]] for k, path in placed.items()})
            return None if all(a == answers[0] for a in answers[1:]) else "blame differs"

        return verdict


def _first_reached(graph: list[tuple[str, tuple[str, ...]]], tips: list[str]) -> dict[str, int]:
    """{commit of `graph`: the index of the first of `tips` that reaches it} (one walk over the graph)."""
    parents = dict(graph)
    found: dict[str, int] = {}
    for index, tip in enumerate(tips):
        stack = [tip]
        while stack:
            commit = stack.pop()
            if commit in parents and commit not in found:
                found[commit] = index
                stack.extend(parents[commit])
    return found


def _parents_first(graph: list[tuple[str, tuple[str, ...]]]):
    """The commits of `graph` ((commit, parents)), each after its parents there; without recursion (a
    history is deep)."""
    parents = dict(graph)
    done: set[str] = set()
    for start in parents:
        stack = [start]
        while stack:
            commit = stack[-1]
            if commit in done:
                stack.pop()
                continue
            pending = [p for p in parents[commit] if p in parents and p not in done]
            if pending:
                stack.extend(pending)
                continue
            done.add(commit)
            stack.pop()
            yield commit, parents[commit]


def _descendants(graph: list[tuple[str, tuple[str, ...]]], roots: set[str]) -> set[str]:
    """The commits of `graph` ((commit, parents)) that are one of `roots` or descend from one."""
    found: set[str] = set()
    for commit, parents in _parents_first(graph):
        if commit in roots or any(p in found or p in roots for p in parents):
            found.add(commit)
    return found


def _ancestor_counts(graph: list[tuple[str, tuple[str, ...]]]) -> dict[str, int]:
    """{commit: how many commits of `graph` it reaches, itself included}: for `rev_parents(tips, [tag])`,
    its distance from the tag as `git describe` counts it (one bit set per commit, or-ed parents first)."""
    bit = {commit: 1 << i for i, (commit, _) in enumerate(graph)}
    reach: dict[str, int] = {}
    for commit, parents in _parents_first(graph):
        mask = bit[commit]
        for p in parents:
            mask |= reach.get(p, 0)
        reach[commit] = mask
    return {commit: mask.bit_count() for commit, mask in reach.items()}


def _building_on(graph: list[tuple[str, tuple[str, ...]]], rels: list[_Release], lower: _Release | None,
                 high: tuple[int, ...]) -> set[str]:
    """The commits of `graph` that build on `lower` (descend from it; all of them when there is none) and
    on no release above `high` (descend from none)."""
    after = _descendants(graph, {lower.sha}) if lower else {sha for sha, _ in graph}
    return after - _descendants(graph, {r.sha for r in rels if _numbers(r.version) > high})


def _version_span(rels: list[_Release], commits: list[str]) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """The lowest and highest version of the releases whose commit is among `commits`, or None."""
    held = set(commits)
    versions = [_numbers(r.version) for r in rels if r.sha in held]
    return (min(versions), max(versions)) if versions else None


def _bounds(rels: list[_Release], low: tuple[int, ...], high: tuple[int, ...]) -> tuple[_Release | None, _Release | None]:
    """The release below `low` and the release above `high` (None where there is none)."""
    below = [r for r in rels if _numbers(r.version) < low]
    above = [r for r in rels if _numbers(r.version) > high]
    return (max(below, key=lambda r: r.version) if below else None, min(above, key=lambda r: r.version) if above else None)


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
