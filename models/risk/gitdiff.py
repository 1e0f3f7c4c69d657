"""The git edge of the risk stage: per-commit hunks (with their Python function) and line-range blame.

Every call goes through `models.history.git` (argument lists, never a shell, a neutral environment).
Diffs are `-U0 -w` (whitespace-only edits are no change, as in SZZ) with git's built-in Python
function-name driver, so each hunk header names the `def`/`class` it sits in.

A repository may lack some blobs (a partial clone): `git log -p` then stops at the first unreadable
one. `stream_hunks` keeps what was read, re-reads the failing commit file by file (an unreadable file
is reported, the rest of the commit is kept) and resumes the stream after it.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from models import git
from models.errors import GitError

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$")
_DEF = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+([A-Za-z_][A-Za-z0-9_]*)")
_SHA = re.compile(r"^[0-9a-f]{40}$")
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


@dataclass
class Hunk:
    path: str
    old_path: str | None  # the path before the change when it differs (rename), else None
    old_start: int
    old_lines: int  # lines removed or changed (at the parent)
    new_start: int
    new_lines: int  # lines added or changed (at the commit)
    function: str | None  # innermost def/class above the hunk (git's Python funcname driver)


@dataclass
class CommitDiff:
    sha: str
    hunks: list[Hunk] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # paths whose blobs git could not read


def _unquote(raw: bytes) -> str:
    """A path as git prints it: C-quoted ("a\\tb", octal escapes) when it holds special characters."""
    if not raw.startswith(b'"'):
        return raw.decode("utf-8", "surrogateescape")
    body, out, i = raw[1:-1], bytearray(), 0
    while i < len(body):
        ch = body[i]
        if ch == 92 and i + 1 < len(body):  # backslash
            nxt = chr(body[i + 1])
            if nxt in "01234567" and i + 3 < len(body) + 1:
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
                continue
            out.append(_ESCAPES.get(nxt, ord(nxt)))
            i += 2
            continue
        out.append(ch)
        i += 1
    return bytes(out).decode("utf-8", "surrogateescape")


def _side_path(line: bytes, prefix: bytes) -> str | None:
    """Path of a `--- a/x` / `+++ b/x` line (None for /dev/null)."""
    rest = line[4:].rstrip(b"\n")
    if rest == b"/dev/null":
        return None
    path = _unquote(rest)
    return path[len(prefix) :] if path.startswith(prefix.decode()) else path


def function_name(header: str) -> str | None:
    m = _DEF.match(header)
    return m.group(1) if m else None


class _Parser:
    """Turns `git log -p -U0` output (records start with NUL + sha) into CommitDiffs."""

    def __init__(self) -> None:
        self.current: CommitDiff | None = None
        self.old_path: str | None = None
        self.new_path: str | None = None
        self.rename_from: str | None = None
        self.rename_to: str | None = None

    def feed(self, line: bytes) -> CommitDiff | None:
        """Consume one line; return the previous commit when a new one starts."""
        if line.startswith(b"\0"):
            done = self.current
            sha = line[1:].strip().decode()
            self.current = CommitDiff(sha) if _SHA.match(sha) else None
            self.old_path = self.new_path = self.rename_from = self.rename_to = None
            return done
        if self.current is None:
            return None
        if line.startswith(b"diff --git "):
            self.old_path = self.new_path = self.rename_from = self.rename_to = None
        elif line.startswith(b"rename from "):
            self.rename_from = _unquote(line[12:].rstrip(b"\n"))
        elif line.startswith(b"rename to "):
            self.rename_to = _unquote(line[10:].rstrip(b"\n"))
        elif line.startswith(b"--- "):
            self.old_path = _side_path(line, b"a/")
        elif line.startswith(b"+++ "):
            self.new_path = _side_path(line, b"b/")
        elif line.startswith(b"@@ "):
            m = _HUNK.match(line.rstrip(b"\n"))
            if m:
                new = self.new_path or self.rename_to or self.old_path
                old = self.old_path or self.rename_from
                if new is None:
                    return None
                header = m.group(5).decode("utf-8", "replace")
                self.current.hunks.append(
                    Hunk(
                        path=new,
                        old_path=old if old and old != new else None,
                        old_start=int(m.group(1)),
                        old_lines=int(m.group(2)) if m.group(2) is not None else 1,
                        new_start=int(m.group(3)),
                        new_lines=int(m.group(4)) if m.group(4) is not None else 1,
                        function=function_name(header),
                    )
                )
        return None

    def finish(self) -> CommitDiff | None:
        done, self.current = self.current, None
        return done


def _attributes_file(tmp: Path) -> Path:
    """A git attributes file enabling git's built-in Python function-name driver."""
    path = tmp / "attributes"
    path.write_text("*.py diff=python\n*.pyi diff=python\n")
    return path


_DIFF_OPTS = ["-U0", "-w", "--no-color", "--no-ext-diff", "--no-textconv", "-M"]


def _stream(repo: Path, shas: list[str], attrs: Path) -> Iterator[CommitDiff]:
    """One `git log -p --no-walk` over `shas` (in that order), streamed: each commit's diff as soon as the
    next one starts. Returns (as StopIteration's value) the sha in progress when git failed (None when
    it failed before the first commit), or "" when git succeeded."""
    parser = _Parser()
    args = ["log", "--no-walk=unsorted", "--stdin", "-p", *_DIFF_OPTS, "--format=%x00%H"]
    with git.streaming(repo, args, input="".join(f"{s}\n" for s in shas).encode(),
                       config=[f"core.attributesFile={attrs}"]) as log:
        for line in log.stdout:
            prev = parser.feed(line)
            if prev is not None:
                yield prev
    last = parser.finish()
    if log.returncode == 0:
        if last is not None:
            yield last
        return ""
    # The commit in progress may be incomplete: it is re-read file by file.
    return last.sha if last is not None else None


def _commit_per_file(
    repo: Path, sha: str, attrs: Path, base: str | None = None, key: str | None = None
) -> CommitDiff:
    """Hunks of one commit (or of base..sha) read one file at a time; files git cannot read are listed."""
    if base is None:
        parents = git.text(repo, ["rev-list", "--parents", "-n", "1", "--end-of-options", sha]).split()[
            1:
        ]
        base = parents[0] if parents else EMPTY_TREE
    raw = git.run(repo, ["diff-tree", "-r", "-z", "--no-renames", "--name-only", base, sha]).stdout
    out = CommitDiff(key or sha)
    for path in (p.decode("utf-8", "surrogateescape") for p in raw.split(b"\0") if p):
        proc = git.run(
            repo, ["diff", *_DIFF_OPTS, "--no-renames", base, sha, "--", path],
            config=[f"core.attributesFile={attrs}"], check=False,
        )
        if proc.returncode != 0:
            out.unreadable.append(path)
            continue
        parser = _Parser()
        parser.feed(b"\0" + ("0" * 40).encode())
        for line in proc.stdout.splitlines(keepends=True):
            parser.feed(line)
        got = parser.finish()
        if got:
            out.hunks.extend(got.hunks)
    return out


def stream_hunks(repo: Path | str, shas: Iterable[str]) -> Iterator[CommitDiff]:
    """Yield the -U0 -w hunks of every commit in `shas` (merges yield no hunks), tolerating missing blobs."""
    repo = Path(repo)
    todo = list(shas)
    with tempfile.TemporaryDirectory(prefix="hindsight-risk-") as tmp:
        attrs = _attributes_file(Path(tmp))
        while todo:
            seen: set[str] = set()
            stream = _stream(repo, todo, attrs)
            while True:
                try:
                    diff = next(stream)
                except StopIteration as end:
                    failing = end.value
                    break
                seen.add(diff.sha)
                yield diff
            if failing == "":
                return
            if failing is None:  # failed before the first commit header: take the first unread commit
                failing = next(s for s in todo if s not in seen)
            yield _commit_per_file(repo, failing, attrs)
            seen.add(failing)
            nxt = [s for s in todo if s not in seen]
            if len(nxt) == len(todo):  # no progress: should not happen, but never loop forever
                raise GitError(f"git log -p made no progress in {repo}")
            todo = nxt


def diff_hunks(repo: Path | str, base: str, head: str, key: str) -> CommitDiff:
    """The -U0 -w hunks of base..head as one change named `key` (per file when some blob is missing)."""
    repo = Path(repo)
    with tempfile.TemporaryDirectory(prefix="hindsight-risk-") as tmp:
        attrs = _attributes_file(Path(tmp))
        proc = git.run(repo, ["diff", *_DIFF_OPTS, base, head], config=[f"core.attributesFile={attrs}"], check=False)
        if proc.returncode != 0:
            return _commit_per_file(repo, head, attrs, base=base, key=key)
        parser = _Parser()
        parser.feed(b"\0" + ("0" * 40).encode())
        for line in proc.stdout.splitlines(keepends=True):
            parser.feed(line)
        got = parser.finish()
    return CommitDiff(key, got.hunks if got else [])


def diff_numstat(
    repo: Path | str, base: str, head: str
) -> list[tuple[str, str | None, int | None, int | None]]:
    """(path, old path when renamed, added, deleted) of base..head; binary files have None counts."""
    out = git.run(
        repo, ["diff", "--numstat", "-z", "-M", "--no-ext-diff", "--no-textconv", base, head]
    ).stdout
    tokens = out.split(b"\0")
    rows, i = [], 0
    while i < len(tokens):
        tok = tokens[i]
        if not tok:
            i += 1
            continue
        added, deleted, path = tok.split(b"\t", 2)
        old = None
        if path == b"":  # rename: old and new path follow as their own tokens
            old, path = tokens[i + 1], tokens[i + 2]
            i += 2
        i += 1
        count = lambda v: None if v == b"-" else int(v)
        rows.append(
            (
                path.decode("utf-8", "surrogateescape"),
                old.decode("utf-8", "surrogateescape") if old else None,
                count(added),
                count(deleted),
            )
        )
    return rows


def blame_lines(
    repo: Path | str, revision: str, path: str, lines: list[int]
) -> dict[int, tuple[str, int | None]]:
    """`git blame -w --porcelain -L a,b ...` of some lines at `revision`: line -> (commit sha, author time).

    Honours `.git-blame-ignore-revs` at the revision. `revision` must be a full sha.
    """
    if not _SHA.match(revision):
        raise GitError(f"blame needs a full commit sha, got {revision!r}")
    if not lines:
        return {}
    blamed, commits = git.blame(repo, revision, path, lines, _ignore_revs(repo, revision))
    return {
        b.line: (b.commit_sha, commits[b.commit_sha].author_time if b.commit_sha in commits else None)
        for b in blamed
    }


def _ignore_revs(repo: Path | str, revision: str) -> list[str]:
    proc = git.run(repo, ["cat-file", "blob", f"{revision}:.git-blame-ignore-revs"], check=False)
    return git.ignore_revs(proc.stdout.decode("utf-8", "replace")) if proc.returncode == 0 else []


def file_lines(repo: Path | str, revision: str, path: str) -> list[str] | None:
    """Lines of `path` at `revision`, or None when absent or unreadable (a missing blob)."""
    proc = git.run(repo, ["cat-file", "blob", f"{revision}:{path}"], check=False)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace").splitlines()


def read_files(repo: Path | str, specs: list[tuple[str, str]]) -> dict[tuple[str, str], bytes]:
    """Contents of many (revision, path) blobs in one `git cat-file --batch`; missing ones are left out."""
    clean = [(r, p) for r, p in specs if "\n" not in p and "\r" not in p and _SHA.match(r)]
    if not clean:
        return {}
    found = git.read_objects(repo, [f"{r}:{p}" for r, p in clean])
    return {(r, p): found[f"{r}:{p}"][1] for r, p in clean if found.get(f"{r}:{p}", ("",))[0] == "blob"}
