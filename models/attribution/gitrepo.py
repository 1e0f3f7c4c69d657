"""The git edge of attribution: every git call this stage makes, with argument lists only.

Untrusted frame text never reaches a shell: git runs with an argument list (no `shell=True`), revisions
are passed after `--end-of-options` and paths after `--`. Paths handed to git are first checked to be
in the tree listing of the revision (see `resolve.py`), so a hostile path never reaches git at all.

One `GitRepo` per repository and run keeps: the tree listing per revision (one `git ls-tree` call each),
one long-lived `git cat-file --batch` process for file contents, and the lines of files already read.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Self

import duckdb

from models import git as edge
from models.config import Config
from models.errors import GitError, RepositoryError
from models.git import BlameCommit, BlameLine, parse_blame_porcelain
from models.history.commit_graph import usable_overlay

__all__ = ["BlameCommit", "BlameLine", "GitError", "GitRepo", "open_repositories", "parse_blame_porcelain", "run_git"]

_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
MAX_CACHED_FILES = 4096  # file contents kept per run (memory bound); the tree listings are kept whole


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
        self.overlay = overlay  # Hindsight's commit-graph for this repository, for blames (see models.git)
        if not (self.path / ".git").exists() and not (self.path / "HEAD").exists():
            raise RepositoryError(f"not a git repository: {self.path}")
        self._trees: dict[str, frozenset[str]] = {}
        self._lines: OrderedDict[tuple[str, str], list[str] | None] = OrderedDict()  # LRU, MAX_CACHED_FILES
        self._commits: dict[str, str | None] = {}
        self._missing: set[tuple[str, str]] = set()  # (revision, path) whose blob is not in the object store
        self._shallow: frozenset[str] | None = None
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

    def rev_list(self, include: list[str], exclude: list[str] = (), max_count: int | None = None) -> list[str]:
        """Commits reachable from `include` and not from `exclude`, newest first (one git call)."""
        data = "".join([f"{s}\n" for s in include] + [f"^{s}\n" for s in exclude]).encode()
        extra = [f"--max-count={max_count}"] if max_count else []
        out = run_git(self.path, ["rev-list", *extra, "--stdin"], input_bytes=data, check=False)
        return [s for s in out.decode().split() if _SHA_RE.match(s)]

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

    def blob_ids(self, specs: list[str]) -> list[str | None]:
        """Object id of each `<rev>:<path>` (None when the path is absent), in one `git cat-file
        --batch-check` call; specs with a line break are answered None without asking git."""
        safe = [s for s in specs if "\n" not in s and "\r" not in s]
        if not safe:
            return [None] * len(specs)
        out = run_git(
            self.path,
            ["cat-file", "--batch-check=%(objectname) %(objecttype)"],
            input_bytes="".join(f"{s}\n" for s in safe).encode("utf-8", "surrogateescape"),
        ).decode()
        answers = iter(out.split("\n"))
        ids = []
        for spec in specs:
            if "\n" in spec or "\r" in spec:
                ids.append(None)
                continue
            parts = next(answers, "").split()
            ids.append(parts[0] if len(parts) == 2 and parts[1] == "blob" else None)
        return ids

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
        """Every file path at `revision` (one `git ls-tree` call per revision, cached)."""
        with self._lock:
            cached = self._trees.get(revision)
        if cached is None:
            out = run_git(self.path, ["ls-tree", "-r", "-z", "--name-only", "--end-of-options", revision])
            cached = frozenset(p for p in out.decode("utf-8", errors="surrogateescape").split("\0") if p)
            with self._lock:
                self._trees[revision] = cached
        return cached

    def file_lines(self, revision: str, path: str) -> list[str] | None:
        """Lines of `path` at `revision` via one long-lived `git cat-file --batch` (None if absent)."""
        key = (revision, path)
        with self._lock:
            if key in self._lines:
                self._lines.move_to_end(key)
                return self._lines[key]
            data = self._cat_file(f"{revision}:{path}")
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

    def blob_missing(self, revision: str, path: str) -> bool:
        """The tree at `revision` lists `path` but its blob is not in the object store (partial clone)."""
        return (revision, path) in self._missing

    # -- blame --------------------------------------------------------------------------------------
    def ignore_revs(self, revision: str) -> list[str]:
        """Full shas listed in `.git-blame-ignore-revs` at `revision` (comments and bad lines dropped)."""
        return edge.ignore_revs("\n".join(self.file_lines(revision, ".git-blame-ignore-revs") or []))

    def blame(
        self, revision: str, path: str, lines: list[int] | None = None
    ) -> tuple[list[BlameLine], dict[str, BlameCommit]]:
        """`git blame -w --porcelain` at `revision`, honouring `.git-blame-ignore-revs` there: the whole
        file, or only `lines` (one `-L` per run of consecutive lines; git stops walking the history as
        soon as those lines are explained, which is what makes it cheaper than the whole file)."""
        if not _SHA_RE.match(revision):  # git blame takes no --end-of-options: only full shas go here
            raise GitError(f"blame needs a full commit sha, got {revision!r}")
        return edge.blame(self.path, revision, path, lines or [], self.ignore_revs(revision), overlay=self.overlay)

    # -- diffs (fix detection / SZZ) ----------------------------------------------------------------
    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """`ancestor` is reachable from `descendant` (both full shas)."""
        if not (_SHA_RE.match(ancestor) and _SHA_RE.match(descendant)):
            return False
        return edge.run(self.path, ["merge-base", "--is-ancestor", ancestor, descendant], check=False).returncode == 0

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
