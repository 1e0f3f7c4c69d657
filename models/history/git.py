"""The history stage's git queries: commits, tags, notes and the streamed `git log` of a walk.

Every command runs through the git edge (`models.git`: argument lists, a hardened environment,
`GitError` with git's stderr, timeouts); `--end-of-options` goes before revisions that come from
configuration, so a repository or a commit message can never make us run anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from models import git as edge
from models.errors import GitError, RepositoryError

__all__ = ["GitError", "RepositoryError"]  # and the queries below

run_git = edge.run  # run_git(path, args, *, input=None, check=True) -> CompletedProcess (bytes)
git_text = edge.text


def check_repository(path: Path | str) -> None:
    """Raise a clear error when `path` is not a git work tree or bare repository."""
    if not Path(path).exists():
        raise RepositoryError(f"repository path does not exist: {path}")
    proc = run_git(path, ["rev-parse", "--git-dir"], check=False)
    if proc.returncode != 0:
        raise RepositoryError(f"not a git repository: {path}")


def resolve_commit(path: Path | str, rev: str) -> str | None:
    """Full sha of the commit `rev` names, or None when it names nothing."""
    proc = run_git(
        path, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], check=False
    )
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def branch_head(path: Path | str, branch: str) -> str:
    """Head sha of the default branch (`refs/heads/<branch>` first, then any rev git accepts)."""
    for rev in (f"refs/heads/{branch}", branch):
        sha = resolve_commit(path, rev)
        if sha:
            return sha
    raise RepositoryError(f"default branch {branch!r} not found in {path}")


def tag_tips(path: Path | str) -> list[tuple[str, str]]:
    """(tag name, commit sha) of every tag that points (possibly via an annotated tag) at a commit."""
    out = git_text(
        path,
        [
            "for-each-ref",
            "--format=%(refname:strip=2)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)",
            "refs/tags",
        ],
    )
    tips = []
    for line in out.splitlines():  # ref names cannot contain control characters, so lines are safe
        name, otype, oid, ptype, poid = line.split("\0")
        if otype == "commit":
            tips.append((name, oid))
        elif otype == "tag" and ptype == "commit":
            tips.append((name, poid))
    return tips


def notes_head(path: Path | str, ref: str = "refs/notes/ai") -> str | None:
    return resolve_ref(path, ref)


def resolve_ref(path: Path | str, ref: str) -> str | None:
    proc = run_git(path, ["rev-parse", "--verify", "--quiet", "--end-of-options", ref], check=False)
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def is_ancestor(path: Path | str, ancestor: str, descendant: str) -> bool:
    """True when `ancestor` is reachable from `descendant` (False also when it no longer exists)."""
    proc = run_git(
        path, ["merge-base", "--is-ancestor", "--end-of-options", ancestor, descendant], check=False
    )
    return proc.returncode == 0


def existing_commits(path: Path | str, shas: Iterable[str]) -> list[str]:
    """The subset of `shas` that still name commits in the object store (one git call)."""
    shas = list(shas)
    if not shas:
        return []
    data = "".join(f"{s}^{{commit}}\n" for s in shas).encode()
    out = run_git(path, ["cat-file", "--batch-check=%(objectname) %(objecttype)"], input=data).stdout.decode()
    found = {line.split()[0] for line in out.splitlines() if line.endswith(" commit")}
    return [s for s in shas if s in found]


def rev_list(
    path: Path | str, include: Iterable[str], exclude: Iterable[str] = (), extra: Iterable[str] = ()
) -> list[str]:
    """Shas of `git rev-list` over include minus exclude (revisions fed on stdin)."""
    data = "".join([f"{s}\n" for s in include] + [f"^{s}\n" for s in exclude]).encode()
    out = run_git(path, ["rev-list", *extra, "--stdin"], input=data).stdout.decode()
    return out.split()


# One record per commit: 8 NUL-separated header fields, then the message (git's -z adds the NUL).
LOG_FORMAT = "%H%x00%P%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00%B"
HEADER_FIELDS = 9
# Raw (change type, renames) + numstat (line counts), NUL-separated; no external diff or textconv drivers.
_LOG_OPTS = ["-z", "--raw", "--numstat", "-M", "--no-ext-diff", "--no-textconv", "--no-abbrev"]
_LOG_OPTS += ["--encoding=UTF-8"]


def stream_log(
    path: Path | str,
    include: Iterable[str],
    exclude: Iterable[str] = (),
    chunk_size: int = 1 << 20,
    *,
    no_walk: bool = False,
    diff: bool = True,
) -> Iterator[bytes]:
    """Yield the NUL-separated tokens of one `git log --raw --numstat -z` over include minus exclude.

    Streamed, so memory stays bounded whatever the history size. Merge commits show no diff
    (git's default): their changes are attributed to the commits they merge. `no_walk`: exactly the
    commits given; `diff=False`: headers only (reads no tree or blob).
    """
    revs = "".join([f"{s}\n" for s in include] + [f"^{s}\n" for s in exclude]).encode()
    opts = _LOG_OPTS if diff else ["-z", "--encoding=UTF-8"]
    walk = ["--no-walk=unsorted"] if no_walk else []
    # git reads every revision from stdin before it writes anything, so writing first cannot deadlock.
    with edge.streaming(path, ["log", *walk, "--stdin", f"--format={LOG_FORMAT}", *opts], input=revs) as log:
        yield from log.tokens(b"\0", chunk_size)
    log.check()


def shallow_commits(path: Path | str) -> frozenset[str]:
    """Commits whose parents a shallow clone cut off (`.git/shallow`); empty for a complete history."""
    rel = git_text(path, ["rev-parse", "--git-path", "shallow"]).strip()
    file = Path(rel) if Path(rel).is_absolute() else Path(path) / rel
    try:
        return frozenset(line.strip() for line in file.read_text().split() if line.strip())
    except OSError:
        return frozenset()


_PROMISOR_GAP = re.compile(r"could not fetch ([0-9a-f]{40,64}) from promisor remote")


def missing_objects(path: Path | str, oids: Iterable[str]) -> set[str]:
    """The subset of `oids` that is not in the object store (partial or damaged clone); one git call, and
    one more after each object a partial clone lacks: git stops at such an object rather than answer
    `missing` (it would fetch it, which `models.git` forbids), after answering the ones before it."""
    todo = sorted(set(oids))
    missing: set[str] = set()
    while todo:
        proc = run_git(path, ["cat-file", "--batch-check"], input="".join(f"{o}\n" for o in todo).encode(),
                       check=False)
        answered = proc.stdout.decode().splitlines()
        missing |= {line.split()[0] for line in answered if line.endswith(" missing")}
        if proc.returncode == 0:
            break
        gap = _PROMISOR_GAP.search(proc.stderr.decode("utf-8", "replace"))
        if gap is None or len(answered) >= len(todo) or todo[len(answered)] != gap.group(1):
            raise edge.failure(path, ["cat-file", "--batch-check"], proc.stderr, proc.returncode)
        missing.add(gap.group(1))
        todo = todo[len(answered) + 1 :]
    return missing


def objects_present(path: Path | str, blobs: Iterable[str]) -> bool:
    """Every one of `blobs` is in the object store. One `rev-list --objects --missing=print --no-walk`: a
    blob it lacks stops it at once ("bad object"); a read or `cat-file -e` of one in a partial clone first
    walks every promisor object (0.13-0.28 s on a blob:none psf/requests, growing with the repository)."""
    data = "".join(f"{o}\n" for o in blobs).encode()
    args = ["rev-list", "--objects", "--missing=print", "--no-walk", "--stdin"]
    return not data or run_git(path, args, input=data, check=False).returncode == 0


class Lacking(NamedTuple):
    """A commit whose diff needs blobs the clone lacks: those blobs, and every file the commit changed
    against its first parent as `changed_files` gives them (status, old blob, new blob, path)."""

    missing: frozenset[str]
    changed: tuple[tuple[str, str, str, str], ...]


def commits_lacking_objects(path: Path | str, shas: list[str]) -> dict[str, Lacking]:
    """{commit: `Lacking`} for the commits of `shas` whose `git log --numstat` must fail, found without
    reading or fetching a blob: the objects missing below `shas` from one traversal (`rev-list
    --missing=print`, keeping only the missing ids), then every commit's changed files from one `git log
    --raw` of tree diffs (no rename detection, so no blob is read; merges show none, as in the log that
    failed). In a partial clone git stops at each object it lacks, after listing all of the clone's
    promisor objects, so trying commit by commit costs that listing per commit; this costs two git runs.
    Memory: the ids of the missing objects, and the changed files of the commits returned. Raises
    GitError when a tree is missing too (the caller then tries commit by commit)."""
    lacking = edge.absent_objects(path, shas)
    if not lacking:
        return {}
    revs = "".join(f"{s}\n" for s in shas).encode()
    needs: dict[str, Lacking] = {}
    commit, wanted, changed, entry = None, set(), [], None

    def done() -> None:
        if commit and wanted:
            needs[commit] = Lacking(frozenset(wanted), tuple(changed))

    args = ["log", "--no-walk=unsorted", "--stdin", "--format=%H", "--raw", "--no-renames", "--no-abbrev", "-z"]
    with edge.streaming(path, args, input=revs) as diffs:  # log reads all of stdin before it writes
        for token in diffs.tokens(b"\0"):
            if entry is not None:  # the path of the entry before: any bytes at all
                old_mode, new_mode, old, new, status = entry
                if "160000" not in (old_mode, new_mode):  # a submodule entry names another repository's commit
                    changed.append((status, old, new, token.decode("utf-8", "replace")))
                entry = None
                continue
            token = token.lstrip(b"\n")
            if token.startswith(b":"):  # :old_mode new_mode old_id new_id status
                entry = token[1:].decode().split(" ")[:5]
                wanted |= {oid for oid in entry[2:4] if bytes.fromhex(oid) in lacking}
            elif token:  # the next commit's id
                done()
                commit, wanted, changed = token.decode(), set(), []
        done()
    diffs.check()
    return needs


def blobs_of(changed: Iterable[tuple[str, str, str, str]]) -> set[str]:
    """The blob ids (old and new, not the all-zero id of an added or deleted side) of `changed_files` rows."""
    return {o for _, old, new, _ in changed for o in (old, new) if o.strip("0")}


def changed_files(path: Path | str, sha: str) -> list[tuple[str, str, str, str]]:
    """(status, old blob, new blob, path) of every file one commit changed, against its first parent
    (the empty tree for a root commit); no rename detection, so no blob is read."""
    out = run_git(
        path, ["diff-tree", "-r", "-z", "--no-commit-id", "--no-renames", "--no-abbrev", "--root", sha]
    ).stdout
    tokens = out.split(b"\0")
    rows, i = [], 0
    while i + 1 < len(tokens):
        head = tokens[i].decode("utf-8", "replace")
        if not head.startswith(":"):
            i += 1
            continue
        _old_mode, new_mode, old, new, status = head[1:].split(" ")[:5]
        if "160000" not in (_old_mode, new_mode):  # submodule entries name commits of other repositories
            rows.append((status, old, new, tokens[i + 1].decode("utf-8", "replace")))
        i += 2
    return rows


def numstat(path: Path | str, sha: str, paths: list[str]) -> dict[str, tuple[int | None, int | None]]:
    """{path: (added, deleted)} of one commit restricted to `paths` (literal pathspecs; None = binary)."""
    if not paths:
        return {}
    args = ["--literal-pathspecs", "diff-tree", "-r", "-z", "--numstat", "--no-renames", "--root"]
    out = run_git(path, [*args, "--no-commit-id", sha, "--", *paths]).stdout
    counts = {}
    for token in out.split(b"\0"):
        parts = token.lstrip(b"\n").split(b"\t", 2)
        if len(parts) == 3:
            a, d, p = parts
            counts[p.decode("utf-8", "replace")] = (None if a == b"-" else int(a), None if d == b"-" else int(d))
    return counts


def notes_list(path: Path | str, ref: str = "refs/notes/ai") -> list[tuple[str, str]]:
    """(note blob sha, annotated commit sha) for every note under `ref`."""
    out = git_text(path, ["notes", f"--ref={ref}", "list"])
    return [tuple(line.split()) for line in out.splitlines() if line.strip()]  # type: ignore[misc]


def read_blobs(path: Path | str, shas: list[str]) -> dict[str, bytes]:
    """Contents of many blobs in one `git cat-file --batch` call (size-delimited, so binary-safe)."""
    return {sha: data for sha, (_kind, data) in edge.read_objects(path, shas).items()}


def commit_text(path: Path | str, rev: str) -> tuple[str, str, str]:
    """(author 'Name <email>', committer 'Name <email>', full message) of one commit."""
    sha = resolve_commit(path, rev)
    if sha is None:
        raise GitError(f"no commit {rev!r} in {path}")
    out = git_text(
        path, ["show", "-s", "--no-notes", "--encoding=UTF-8", "--format=%an <%ae>%x00%cn <%ce>%x00%B", sha]
    )
    author, committer, message = out.split("\0", 2)
    return author, committer, message.rstrip("\n")
