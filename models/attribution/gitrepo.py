"""The git edge of attribution: every git call this stage makes, with argument lists only.

Untrusted frame text never reaches a shell: git runs with an argument list (no `shell=True`), revisions
are passed after `--end-of-options` and paths after `--`. Paths handed to git are first checked to be
in the tree listing of the revision (see `resolve.py`), so a hostile path never reaches git at all.

One `GitRepo` per repository and run keeps one long-lived `git cat-file --batch` process, and through
it reads commits, trees and blobs as objects, each cached by its id: the many revisions that resolution
and revision inference look at share most of their subtrees and file contents, so each distinct tree
and file is read once per run (one `git ls-tree -r` per revision re-read them all; measured on real
history: see `tree`). Tree listings per revision, file lines and the blames of the run are kept too (a
tie revision inference settled by blame is not blamed again when its frames are).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from concurrent.futures import Future
from pathlib import Path
from typing import Self

import duckdb

from models import git as edge
from models.config import Config
from models.errors import GitError, RepositoryError
from models.git import BlameCommit, BlameLine, parse_blame_porcelain
from models.history.commit_graph import usable_overlay

__all__ = ["MAX_CACHED_TREES", "BlameCommit", "BlameLine", "GitError", "GitRepo", "open_repositories",
           "parse_blame_porcelain", "run_git"]

_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
IGNORE_REVS_FILE = ".git-blame-ignore-revs"  # the commits blame skips at a revision (GitHub's convention)
MAX_CACHED_FILES = 4096  # file contents and blamed files kept per run (memory bound)
MAX_CACHED_TREES = 64  # whole-revision listings kept (a monorepo's is large; listing again reuses subtrees)
MAX_LISTED_PATHS = 1_000_000  # paths kept in subtree listings (about 100 MB)
MAX_CACHED_TREE_OBJECTS = 50_000  # tree objects kept parsed
MAX_ORIGIN_STEPS = 1_000  # commits walked back per (revision, path); where it stops the blame is the same, shared less
MAX_KNOWN_ORIGINS = 1_000_000  # (commit, path) -> blame origin entries kept (memory bound)
_GITLINK_MODE = "160000"  # a submodule's commit: not a file of this repository


def run_git(repo: Path, args: list[str], *, check: bool = True, input_bytes: bytes | None = None) -> bytes:
    """Run `git -C repo <args>` through the git edge and return stdout bytes."""
    return edge.run(repo, args, check=check, input=input_bytes).stdout


def open_repositories(con: duckdb.DuckDBPyConnection, config: Config) -> dict[str, GitRepo]:
    """A `GitRepo` per configured repository, each reading through Hindsight's commit-graph for it
    when `hindsight commits` has written one (`models/history/commit_graph.py`)."""
    return {r.name: GitRepo(r.path, usable_overlay(con, r)) for r in config.repositories}


class GitRepo:
    """Cached, read-only access to one repository for the duration of a run (thread-safe reads)."""

    def __init__(self, path: Path, overlay: edge.Overlay | None = None):
        self.path = Path(path)
        self.overlay = overlay  # Hindsight's commit-graph for this repository, for blames and ancestry (see models.git)
        if not (self.path / ".git").exists() and not (self.path / "HEAD").exists():
            raise RepositoryError(f"not a git repository: {self.path}")
        self._trees: OrderedDict[str, frozenset[str]] = OrderedDict()  # revision -> its files; LRU
        self._roots: dict[str, str | None] = {}  # commit sha -> its root tree id (None: not a commit git has)
        self._tree_objects: dict[str, dict[str, tuple[str, str]]] = {}  # tree id -> {name: (mode, id)}
        self._listings: OrderedDict[str, tuple[str, ...]] = OrderedDict()  # tree id -> paths below it; LRU
        self._listed = 0  # paths held in `_listings`
        self._parents: dict[str, tuple[str, ...]] = {}  # commit sha -> its parents (read with its root tree)
        self._origins: dict[tuple[str, str], str] = {}  # (commit, path) -> its blame origin (see blame_origin)
        # (revision or its blame origin, path, ignored revs) -> [(lines, Future of the blame)]; LRU
        self._blamed: OrderedDict[tuple, list] = OrderedDict()
        self._lines: OrderedDict[str, list[str] | None] = OrderedDict()  # blob id or spec -> lines; LRU
        self._commits: dict[str, str | None] = {}
        self._missing: set[tuple[str, str]] = set()  # (revision, path) whose blob is not in the object store
        self._shallow: frozenset[str] | None = None
        self._branch_heads: list[str] | None = None
        self._batch = edge.CatFile(self.path)
        self._lock = threading.Lock()

    # -- revisions ----------------------------------------------------------------------------------
    def commit_sha(self, rev: str) -> str | None:
        """Full sha of `rev` when it names a commit in this repository, else None (cached)."""
        if rev not in self._commits:
            out = run_git(
                self.path,
                ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
                check=False,
            )
            sha = out.decode().strip()
            self._commits[rev] = sha if _SHA_RE.match(sha) else None
        return self._commits[rev]

    def commit_of_prefix(self, prefix: str) -> str | None:
        """Full sha of the commit a hex prefix names (unambiguously), else None: a ref that happens to be
        called like the prefix does not count."""
        sha = self.commit_sha(prefix)
        return sha if sha and sha.startswith(prefix.lower()) else None

    def rev_list(
        self, include: list[str], exclude: list[str] = (), max_count: int | None = None, *, descending: bool = False
    ) -> list[str]:
        """Commits reachable from `include` and not from `exclude`, newest first (one git call); with
        `descending`, only those that descend from an `exclude` commit (`--ancestry-path`: not the commits of
        a branch forked before it and merged later)."""
        return [sha for sha, _ in self.rev_parents(include, exclude, max_count, descending=descending)]

    def commits_touching(self, tip: str, paths: list[str], max_count: int) -> list[str]:
        """The commits reachable from `tip` that changed one of `paths`, newest first (one git call; git's
        history simplification keeps the commits that made each version of those files)."""
        args = ["rev-list", f"--max-count={max_count}", "--end-of-options", tip, "--", *paths]
        out = run_git(self.path, args, check=False)
        return [sha for sha in out.decode().split() if _SHA_RE.match(sha)]

    def rev_parents(
        self, include: list[str], exclude: list[str] = (), max_count: int | None = None, *, descending: bool = False
    ) -> list[tuple[str, tuple[str, ...]]]:
        """(commit, its parents) of the commits reachable from `include` and not from `exclude`, newest
        first (one git call; `descending`: see `rev_list`)."""
        data = "".join([f"{s}\n" for s in include] + [f"^{s}\n" for s in exclude]).encode()
        extra = [f"--max-count={max_count}"] if max_count else []
        extra += ["--ancestry-path"] if descending and exclude else []
        out = run_git(self.path, ["rev-list", "--parents", *extra, "--stdin"], input_bytes=data, check=False)
        rows = (line.split() for line in out.decode().splitlines())
        return [(ids[0], tuple(ids[1:])) for ids in rows if ids and all(_SHA_RE.match(i) for i in ids)]

    def branch_heads(self) -> list[str]:
        """The commits the repository's branches point at, local and remote-tracking (read once)."""
        if self._branch_heads is None:
            out = run_git(self.path, ["for-each-ref", "--format=%(objectname)", "refs/heads", "refs/remotes"], check=False)
            self._branch_heads = list(dict.fromkeys(s for s in out.decode().split() if _SHA_RE.match(s)))
        return self._branch_heads

    def shallow_commits(self) -> frozenset[str]:
        """Commits whose parents a shallow clone cut off (empty when the history is complete)."""
        if self._shallow is None:
            rel = run_git(self.path, ["rev-parse", "--git-path", "shallow"], check=False).decode().strip()
            file = Path(rel) if Path(rel).is_absolute() else self.path / rel
            try:
                self._shallow = frozenset(file.read_text().split()) if rel else frozenset()
            except OSError:
                self._shallow = frozenset()
        return self._shallow

    def file_signatures(self, commits: list[str], paths: list[str]) -> list[tuple[str | None, ...]]:
        """Per commit, the blob id of each of `paths` there, in their order (None: absent, not a file,
        or below a tree the object store lacks; every None for a commit git does not have).

        Read through a trie of the paths, memoised by tree id: commits that share a subtree (most of
        them, between neighbours) share its part of the answer, so the cost follows the distinct
        subtrees met, not commits x paths (2,000 candidate commits x 150 paths on psf/requests)."""
        trie, index = _path_trie([p for p in paths if _is_file_path(p)])
        order = [index.get(p) for p in paths]
        memo: dict[tuple[str, int], tuple[str | None, ...]] = {}
        out = []
        with self._lock:
            for commit in commits:
                root = self._root(commit) if _SHA_RE.match(commit) else None
                found = self._signature(root, trie, memo) if root else trie.nothing
                out.append(tuple(None if i is None else found[i] for i in order))
        return out

    def first_parent_history(self, branch: str) -> list[tuple[str, int]]:
        """(sha, committer unix time) of the branch's first-parent chain, newest first."""
        out = run_git(
            self.path,
            ["log", "--first-parent", "--format=%H %ct", "--end-of-options", branch, "--"],
            check=False,
        )
        rows = []
        for line in out.decode().splitlines():
            sha, _, ts = line.partition(" ")
            if _SHA_RE.match(sha):
                rows.append((sha, int(ts)))
        return rows

    # -- trees and blobs ----------------------------------------------------------------------------
    def tree(self, revision: str) -> frozenset[str]:
        """Every file path at `revision`, as `git ls-tree -r --name-only` lists them (cached).

        A commit's trees are read as objects and cached by id, so a subtree shared by many revisions is
        read once (measured on psf/requests, 135 crash reports of which 60 need inference: 948 revisions
        listed). Another revision expression, or a commit git does not have, takes one `git ls-tree`;
        a tree the object store lacks raises `GitError` either way."""
        with self._lock:
            cached = self._trees.get(revision)
            if cached is None and _SHA_RE.match(revision) and self._root(revision) is not None:
                cached = frozenset(self._files_under(self._roots[revision]))
        if cached is None:
            out = run_git(self.path, ["ls-tree", "-r", "-z", "--name-only", "--end-of-options", revision])
            cached = frozenset(p for p in out.decode("utf-8", errors="surrogateescape").split("\0") if p)
        with self._lock:
            self._trees[revision] = cached
            self._trees.move_to_end(revision)
            if len(self._trees) > MAX_CACHED_TREES:
                self._trees.popitem(last=False)
        return cached

    def file_lines(self, revision: str, path: str) -> list[str] | None:
        """Lines of `path` at `revision` via one long-lived `git cat-file --batch` (None if absent or not
        a file). Cached by blob id: a file unchanged across revisions is read once."""
        with self._lock:
            by_id = _SHA_RE.match(revision) is not None and self._root(revision) is not None
            key = self._blob_id(self._roots[revision], path) if by_id else f"{revision}:{path}"
            if key is None:
                return None
            if key in self._lines:
                self._lines.move_to_end(key)
                if self._lines[key] is None and by_id:  # the blob another revision lists too is absent
                    self._missing.add((revision, path))
                return self._lines[key]
            data = self._cat_file(key)
            if data is None and by_id:
                self._missing.add((revision, path))  # listed in the tree, object absent: damaged clone
            lines = None if data is None else data.decode("utf-8", errors="replace").split("\n")
            if lines is not None and lines and lines[-1] == "":
                lines.pop()
            self._lines[key] = lines
            if len(self._lines) > MAX_CACHED_FILES:
                self._lines.popitem(last=False)
            return lines

    def _cat_file(self, spec: str) -> bytes | None:
        found = self._batch.read(spec)
        if found is None:
            if ":" in spec and "\n" not in spec and "\r" not in spec:
                rev, _, path = spec.partition(":")
                if path in self._trees.get(rev, ()):  # listed in the tree, object absent: damaged clone
                    self._missing.add((rev, path))
            return None
        kind, data = found
        return data if kind == "blob" else None

    # The object reads behind `tree`, `file_lines` and `file_signatures` (callers hold the lock).
    def _root(self, commit: str) -> str | None:
        """Root tree id of a commit (full sha); None when git has no commit by that id."""
        if commit not in self._roots:
            found = self._batch.read(commit)
            header = found[1].split(b"\n\n", 1)[0].split(b"\n") if found is not None and found[0] == "commit" else []
            root = header[0][5:].decode() if header and header[0].startswith(b"tree ") else None
            self._roots[commit] = root
            self._parents[commit] = tuple(h[7:].decode() for h in header[1:] if h.startswith(b"parent "))
        return self._roots[commit]

    def _blob_at(self, commit: str, path: str) -> str | None:
        root = self._root(commit) if _SHA_RE.match(commit) else None
        return self._blob_id(root, path) if root else None

    def _entries(self, tree_id: str) -> dict[str, tuple[str, str]]:
        """{name: (mode, id)} of a tree object; `GitError` when the object store lacks it."""
        entries = self._tree_objects.get(tree_id)
        if entries is None:
            found = self._batch.read(tree_id)
            if found is None or found[0] != "tree":
                raise GitError(f"git cannot read tree {tree_id} in {self.path}: missing from the object store")
            parsed = edge.parse_tree(found[1], len(tree_id) // 2)
            entries = self._tree_objects[tree_id] = {name: (mode, oid) for mode, name, oid in parsed}
            if len(self._tree_objects) > MAX_CACHED_TREE_OBJECTS:  # oldest read first: memory bounded
                del self._tree_objects[next(iter(self._tree_objects))]
        return entries

    def _files_under(self, tree_id: str) -> tuple[str, ...]:
        """Every non-tree path below a tree (files, links, submodules), cached by tree id (depth first
        with a stack of its own: a deep tree needs no deep recursion)."""
        stack = [(tree_id, False)]
        while stack:
            current, ready = stack.pop()
            if current in self._listings:
                continue
            entries = self._entries(current)
            todo = [oid for mode, oid in entries.values() if mode == edge.TREE_MODE and oid not in self._listings]
            if todo and not ready:
                stack.append((current, True))
                stack.extend((oid, False) for oid in todo)
                continue
            out: list[str] = []
            for name, (mode, oid) in entries.items():
                if mode == edge.TREE_MODE:
                    out.extend(f"{name}/{p}" for p in self._listings[oid])
                else:
                    out.append(name)
            self._listings[current] = tuple(out)
            self._listed += len(out)
        listing = self._listings[tree_id]
        self._listings.move_to_end(tree_id)
        while self._listed > MAX_LISTED_PATHS and len(self._listings) > 1:  # oldest first: memory bounded
            self._listed -= len(self._listings.popitem(last=False)[1])
        return listing

    def _blob_id(self, root: str, path: str) -> str | None:
        """Id of the file `path` (a repository path, as trees list them) names below the root tree
        `root`, else None: absent, a directory, a submodule, or below a tree the object store lacks."""
        if not _is_file_path(path):
            return None
        folder, _, name = path.rpartition("/")
        tree_id = self._folder(root, folder) if folder else root
        if tree_id is None:
            return None
        try:
            mode, oid = self._entries(tree_id).get(name, (None, None))
        except GitError:
            return None
        return _file_id(mode, oid)

    def _signature(self, tree_id: str, node: _Node, memo: dict) -> tuple[str | None, ...]:
        """The blob ids of `node`'s paths below a tree, in the trie's order (see `file_signatures`): the
        pairs (tree, trie node) not met before are found top down, then answered bottom up (a stack of
        its own: a tree as deep as git allows is deeper than Python's recursion limit)."""
        if (tree_id, id(node)) in memo:  # a commit with the same tree as one before
            return memo[(tree_id, id(node))]
        found, stack = [], [(tree_id, node)]
        while stack:
            tid, nd = stack.pop()
            try:
                entries = self._entries(tid)
            except GitError:
                entries = {}
            found.append((tid, nd, entries))
            for name, (_, below) in nd.children.items():
                mode, oid = entries.get(name, (None, None))
                if below is not None and mode == edge.TREE_MODE and (oid, id(below)) not in memo:
                    stack.append((oid, below))
        for tid, nd, entries in reversed(found):  # each folder after everything below it
            parts: list[str | None] = []
            for name, (is_file, below) in nd.children.items():
                mode, oid = entries.get(name, (None, None))
                if is_file:
                    parts.append(_file_id(mode, oid))
                if below is not None:
                    parts.extend(memo[(oid, id(below))] if mode == edge.TREE_MODE else below.nothing)
            memo[(tid, id(nd))] = tuple(parts)
        return memo[(tree_id, id(node))]

    def _folder(self, tree_id: str, folder: str) -> str | None:
        """Id of the tree `folder` names below a tree (None: no such folder, or unreadable)."""
        try:
            for name in folder.split("/"):
                mode, oid = self._entries(tree_id).get(name, (None, None))
                if mode != edge.TREE_MODE:
                    return None
                tree_id = oid
        except GitError:
            return None
        return tree_id

    def blob_missing(self, revision: str, path: str) -> bool:
        """The tree at `revision` lists `path` but its blob is not in the object store (partial clone)."""
        return (revision, path) in self._missing

    # -- blame --------------------------------------------------------------------------------------
    def ignore_revs(self, revision: str) -> list[str]:
        """Full shas listed in `.git-blame-ignore-revs` at `revision` (comments and bad lines dropped)."""
        return edge.ignore_revs("\n".join(self.file_lines(revision, IGNORE_REVS_FILE) or []))

    def blame_origin(self, revision: str, path: str) -> str:
        """The commit where `git blame` of `path` from `revision` starts doing work: it walks back from
        `revision` while a parent holds the very same blob of `path`, passing the whole blame to the first
        such parent, and stops at the commit that changed the file. The blame there equals the blame at
        `revision` (the same file, the same walk), so revisions whose file was last changed by the same
        commit share one git blame (psf/requests: 720 (revision, file) blames, 301 origins). Any commit on
        the walk gives the same blame, so a step cap or an object the store lacks just stops it early."""
        with self._lock:
            walked, commit = [], revision
            for _ in range(MAX_ORIGIN_STEPS):
                known = self._origins.get((commit, path))
                if known is not None:
                    commit = known
                    break
                walked.append(commit)
                blob = self._blob_at(commit, path)
                parent = next((p for p in self._parents.get(commit, ()) if blob and self._blob_at(p, path) == blob), None)
                if parent is None:
                    break
                commit = parent
            if len(self._origins) > MAX_KNOWN_ORIGINS:
                self._origins.clear()
            self._origins.update(dict.fromkeys(((c, path) for c in walked), commit))
            return commit

    def blame(
        self, revision: str, path: str, lines: list[int] | None = None, *, at: str | None = None,
        ask: list[int] | None = None,
    ) -> tuple[list[BlameLine], dict[str, BlameCommit]]:
        """`git blame -w --porcelain` at `revision`, honouring `.git-blame-ignore-revs` there: the whole
        file, or only `lines` (one `-L` per run of consecutive lines; git stops walking the history as
        soon as those lines are explained, which is what makes it cheaper than the whole file).

        `at`: the revision's `blame_origin` when the caller found it (the file is asked at several
        revisions) or it is known from an earlier walk: git runs there, and the revisions sharing it
        share the blame; `ask`: the lines to ask git for when it runs, a superset of `lines` (those of
        every revision sharing the origin). git runs once per (revision or origin, path, ignored
        revisions) for the lines it covers: lines blamed before in this run, or being blamed now by
        another thread, are answered from that blame (a line's blame does not depend on which other
        lines were asked)."""
        if not _SHA_RE.match(revision) or not _SHA_RE.match(at or revision):  # blame takes no --end-of-options
            raise GitError(f"blame needs a full commit sha, got {revision!r}")
        wanted = frozenset(lines or ())
        ignored = tuple(self.ignore_revs(revision))
        at = at or self._origins.get((revision, path))  # walked before in this run: the same blame
        key = (at or revision, path, ignored)
        with self._lock:
            found = next((f for covered, f in self._blamed.get(key, ()) if wanted and wanted <= covered), None)
            mine = None
            if found is None:
                found = mine = Future()
                entry = (wanted | frozenset(ask or ()), mine)
                if wanted:
                    self._blamed.setdefault(key, []).append(entry)
                    self._blamed.move_to_end(key)
                    if len(self._blamed) > MAX_CACHED_FILES:
                        self._blamed.popitem(last=False)
        if mine is not None:
            try:
                mine.set_result(edge.blame(self.path, key[0], path, sorted(entry[0]), list(ignored), overlay=self.overlay))
            except BaseException as exc:
                with self._lock:  # not kept: a later call tries again
                    if entry in self._blamed.get(key, ()):
                        self._blamed[key].remove(entry)
                mine.set_exception(exc)
                raise
        blamed, commits = found.result()  # another thread's blame of these lines: waits for it
        if not wanted:
            return blamed, commits
        kept = [b for b in blamed if b.line in wanted]
        return kept, {b.commit_sha: commits[b.commit_sha] for b in kept}

    # -- diffs (fix detection / SZZ) ----------------------------------------------------------------
    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """`ancestor` is reachable from `descendant` (both full shas)."""
        if not (_SHA_RE.match(ancestor) and _SHA_RE.match(descendant)):
            return False
        args = ["merge-base", "--is-ancestor", ancestor, descendant]  # the commit-graph's generations cut the walk
        return edge.run(self.path, args, check=False, overlay=self.overlay).returncode == 0

    def commits_between(self, old: str, new: str, path: str) -> list[str]:
        """Commits in old..new touching `path`, oldest first."""
        out = run_git(
            self.path, ["rev-list", "--reverse", "--end-of-options", f"{old}..{new}", "--", path], check=False
        )
        return [s for s in out.decode().split() if _SHA_RE.match(s)]

    def diff_lines(self, commit: str, path: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
        """Lines the commit removed (number at commit^, text) and added (number at commit, text) in `path`, -w."""
        out = run_git(
            self.path,
            [
                "diff",
                "-w",
                "-U0",
                "--no-color",
                "--no-ext-diff",
                "--end-of-options",
                f"{commit}^",
                commit,
                "--",
                path,
            ],
            check=False,
        ).decode("utf-8", errors="replace")
        old, new, old_no, new_no = [], [], 0, 0
        for line in out.split("\n"):
            if line.startswith("@@"):
                m = re.match(r"@@ -(\d+)(?:,\d+)? \+(\d+)", line)
                old_no, new_no = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
            elif line.startswith("-") and not line.startswith("---"):
                old.append((old_no, line[1:]))
                old_no += 1
            elif line.startswith("+") and not line.startswith("+++"):
                new.append((new_no, line[1:]))
                new_no += 1
        return old, new

    def changed_old_lines(self, commit: str, path: str) -> list[tuple[int, str]]:
        """(line number at commit^, text) of every line the commit deleted or changed in `path` (-w)."""
        return self.diff_lines(commit, path)[0]

    def close(self) -> None:
        self._batch.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _is_file_path(path: str) -> bool:
    """A repository path as trees list them: git names no file by an empty segment."""
    return bool(path) and path[0] != "/" and path[-1] != "/" and "//" not in path


def _file_id(mode: str | None, oid: str | None) -> str | None:
    """A tree entry's blob id when it is a file of this repository: not absent, a folder or a submodule."""
    return oid if mode not in (None, edge.TREE_MODE, _GITLINK_MODE) else None


class _Node:
    """A folder of a path trie: name -> (a file of that name is asked for, the folder below or None)."""

    __slots__ = ("children", "nothing")

    def __init__(self):
        self.children: dict[str, tuple[bool, _Node | None]] = {}
        self.nothing: tuple[None, ...] = ()  # its answer below a tree that is not there


def _path_trie(paths: list[str]) -> tuple[_Node, dict[str, int]]:
    """The paths as a tree of names, and where each lands in `GitRepo._signature`'s listing (depth first,
    a name's file before its folder, in insertion order)."""
    root = _Node()
    for path in paths:
        node = root
        *folders, name = path.split("/")
        for folder in folders:
            is_file, below = node.children.get(folder, (False, None))
            if below is None:
                below = _Node()
                node.children[folder] = (is_file, below)
            node = below
        node.children[name] = (True, node.children.get(name, (False, None))[1])
    index: dict[str, int] = {}
    count = 0
    stack = [(root, "", iter(list(root.children.items())), 0)]  # depth first, a stack of its own
    while stack:
        node, prefix, items, start = stack[-1]
        for name, (is_file, below) in items:
            if is_file:
                index[prefix + name] = count
                count += 1
            if below is not None:
                stack.append((below, f"{prefix}{name}/", iter(list(below.children.items())), count))
                break
        else:
            node.nothing = (None,) * (count - start)
            stack.pop()
    return root, index
