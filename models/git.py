"""The git edge: the one place Hindsight runs the `git` executable. Every stage calls it.

- Argument lists, never a shell; revisions from configuration or the warehouse go after
  `--end-of-options` and paths after `--` (the callers' job: the argument list is theirs).
- A neutral environment: no prompts, no pager, C locale, no optional locks, no system gitconfig, no
  network (no transport allowed, so a partial clone is never fetched into), and none of the inherited
  `GIT_DIR`-like variables that could point the command at another repository.
  Every command runs with raw paths, no colour, no signature check and no fsmonitor hook.
- A failure is a `GitError` naming the command, the repository and the first line of git's stderr;
  a command that runs longer than its timeout is killed and reported the same way. A missing `git`
  executable stays a `FileNotFoundError` (filename "git"): the CLI reports it as a tool to install.
- Large outputs stream: `streaming` hands over git's stdout while git runs (stderr goes to a file,
  so a chatty stderr never blocks git), and `CatFile` keeps one `git cat-file --batch` open for reads
  one object at a time.

The stage modules build their queries on these (`models/history/git.py`, `models/attribution/gitrepo.py`,
`models/risk/gitdiff.py`, `models/feedback/tools.py`).
"""

from __future__ import annotations

import binascii
import contextlib
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from models.errors import GitError, RepositoryError

__all__ = ["TIMEOUT", "TREE_MODE", "CatFile", "GitError", "GitStream", "ObjectIds", "Overlay", "RepositoryError", "absent_objects", "blame",
           "command", "env", "failure", "ignore_revs", "line_ranges", "objects_dir", "parse_blame_porcelain", "parse_tree",
           "read_objects", "run", "streaming", "text", "write_commit_graph"]

TIMEOUT = 600.0  # seconds one git command may take (a blame or a log of a large history is slow)
_OPTIONS = ["-c", "core.quotepath=false", "-c", "log.showSignature=false", "-c", "color.ui=false",
            "-c", "core.fsmonitor=false", "--no-pager"]
# Lazy fetching is off (GIT_NO_LAZY_FETCH: git 2.39.4+, 2.45+) and, for a git too old to know it, no
# transport is allowed (GIT_ALLOW_PROTOCOL names none): in a partial clone git would otherwise fetch each
# missing object on first read, over the network and into the user's repository. git then stops at such an
# object ("could not fetch <id> from promisor remote"), and the read degrades as in a damaged clone
# (`models.history.git.missing_objects`, `CatFile.read` -> None, a blame -> blame_failed).
_HARDENED = {"GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0",
             "GIT_CONFIG_NOSYSTEM": "1", "GIT_ALLOW_PROTOCOL": "", "GIT_NO_LAZY_FETCH": "1"}
_LOCATION_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR",
                       "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_EXTERNAL_DIFF")

Path_ = Path | str
_HEX = re.compile(r"[0-9a-f]+")


@dataclass(frozen=True)
class Overlay:
    """A Hindsight-owned object directory put in front of a repository's own, for reading only.

    It holds nothing but a commit-graph (with changed-path Bloom filters) that Hindsight wrote for the
    repository: git reads a commit-graph only from its primary object directory, and Hindsight never
    writes into a user's repository. Commands run with `GIT_OBJECT_DIRECTORY` = `objects` and the
    repository's own object directory as an alternate, so every object still comes from the repository;
    the graph only makes history walks (blame) cheaper, never changes their answer."""

    objects: Path
    repository_objects: Path

    def variables(self) -> dict[str, str]:
        return {"GIT_OBJECT_DIRECTORY": str(self.objects),
                "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(self.repository_objects)}

    def representable(self) -> bool:
        """Both paths survive git's colon-separated list of alternates unquoted."""
        return not any(c in str(p) for p in (self.objects, self.repository_objects) for c in ':"')

    def usable(self) -> bool:
        """A graph has been written and the paths are representable."""
        info = self.objects / "info"
        has_graph = (info / "commit-graph").is_file() or (info / "commit-graphs" / "commit-graph-chain").is_file()
        return has_graph and self.representable()


def env(overlay: Overlay | None = None) -> dict[str, str]:
    """The environment every git command runs in (see the module docstring)."""
    out = {k: v for k, v in os.environ.items() if k not in _LOCATION_VARIABLES}
    out.update(_HARDENED)
    if overlay is not None:
        out.update(overlay.variables())
    return out


def command(path: Path_, args: Sequence[str], config: Sequence[str] = ()) -> list[str]:
    """The argument list of `git -C path [-c config]... <args>`."""
    extra = [opt for setting in config for opt in ("-c", setting)]
    return ["git", "-C", str(path), *_OPTIONS, *extra, *args]


def _name(args: Sequence[str]) -> str:
    """The git command an argument list runs (`log`, `cat-file`, ...), for messages."""
    return next((a for a in args if not a.startswith("-")), "")


def failure(path: Path_, args: Sequence[str], stderr: bytes, code: int) -> GitError:
    """The `GitError` of a command that exited `code`: git's first error line (a `warning:` line before it,
    such as a partial clone's "lazy fetching disabled", is not the reason)."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    first = next((line for line in lines if not line.startswith("warning:")), lines[0] if lines else "")
    return GitError(f"git {_name(args)} failed in {path}: {first or 'exit ' + str(code)}")


def run(
    path: Path_,
    args: Sequence[str],
    *,
    input: bytes | None = None,
    check: bool = True,
    config: Sequence[str] = (),
    timeout: float = TIMEOUT,
    overlay: Overlay | None = None,
) -> subprocess.CompletedProcess:
    """Run one git command to completion; stdout and stderr as bytes. `check`: a non-zero exit raises
    `GitError` (otherwise the caller reads `returncode`). `config`: `-c` settings for this command.
    `overlay`: read the repository through a Hindsight-owned object directory (see `Overlay`).

    Each command runs in its own process group, killed whole on timeout or Ctrl-C. The timeout is kept
    by one watchdog thread, not by `subprocess.run(timeout=...)`: with a timeout, Python waits for the
    exited process by polling with growing sleeps, and a timer thread per command costs as much again
    (measured on 121 blames in 4 threads: 0.33 s either way, 0.30 s with the watchdog)."""
    cmd = command(path, args, config)
    stdin = subprocess.PIPE if input is not None else subprocess.DEVNULL
    with (
        subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env(overlay),
                         process_group=0) as proc,
        _WATCHDOG.watching(proc, timeout) as killed,
    ):
        try:
            stdout, stderr = proc.communicate(input)
        except BaseException:  # Ctrl-C or any failure while git runs: git and its helpers stop now
            _kill_group(proc)
            raise
    if killed.is_set():
        raise GitError(f"git {_name(args)} timed out after {timeout:g} s in {path}")
    if check and proc.returncode != 0:
        raise failure(path, args, stderr, proc.returncode)
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


class _Watchdog:
    """Kills git commands that outlive their timeout: one daemon thread for every `run` of the process,
    started at the first command; registering a command is a dictionary entry under a lock, and wakes the
    thread only when its deadline comes before the thread's next look (no wake-up, no thread switch, per
    command: 2% of attribution's frame time on 121 blames)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._live: dict[int, tuple[float, subprocess.Popen, threading.Event]] = {}
        self._next = 0
        self._thread: threading.Thread | None = None
        self._wakes_at = 0.0  # when the watchdog looks next: a later deadline needs no wake-up

    @contextlib.contextmanager
    def watching(self, proc: subprocess.Popen, timeout: float) -> Iterator[threading.Event]:
        killed = threading.Event()
        with self._cond:
            self._next += 1
            token = self._next
            deadline = time.monotonic() + timeout
            self._live[token] = (deadline, proc, killed)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="git-watchdog", daemon=True)
                self._thread.start()
            elif deadline < self._wakes_at:  # commands share one timeout: rarely sooner than the last
                self._cond.notify()
        try:
            yield killed
        finally:
            with self._cond:
                self._live.pop(token, None)

    def _loop(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for deadline, proc, killed in list(self._live.values()):
                    if deadline <= now and not killed.is_set():
                        killed.set()
                        _kill_group(proc)
                soonest = min((d for d, _, k in self._live.values() if not k.is_set()), default=now + 60.0)
                wait = max(0.01, min(soonest - now, 60.0))
                self._wakes_at = now + wait
                self._cond.wait(timeout=wait)


_WATCHDOG = _Watchdog()


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill git and whatever it started (a remote helper of a lazy fetch holds git's pipes open too):
    `run` starts each command in its own process group."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def text(path: Path_, args: Sequence[str], **kw) -> str:
    """`run(...)`'s stdout as text (undecodable bytes replaced)."""
    return run(path, args, **kw).stdout.decode("utf-8", "replace")


class GitStream:
    """A git command while it runs: read `stdout` (binary); after the `streaming` block, `returncode`
    holds the exit code and `check()` raises the `GitError` of a failure."""

    def __init__(self, proc: subprocess.Popen, errfile: IO[bytes], path: Path_, args: Sequence[str]):
        self._proc, self._errfile, self._path, self._args = proc, errfile, path, args
        self.stdout: IO[bytes] = proc.stdout  # type: ignore[assignment]
        self.returncode: int | None = None
        self.stderr = b""

    def _finish(self) -> None:
        self.stdout.close()
        self.returncode = self._proc.wait()
        self._errfile.seek(0)
        self.stderr = self._errfile.read()

    def check(self) -> None:
        if self.returncode:
            raise failure(self._path, self._args, self.stderr, self.returncode)

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        while chunk := self.stdout.read(size):
            yield chunk

    def tokens(self, separator: bytes, size: int = 1 << 20) -> Iterator[bytes]:
        """stdout split at `separator` (NUL of `-z` output, a line break), read `size` bytes at a time."""
        rest = b""
        for chunk in self.chunks(size):
            parts = (rest + chunk).split(separator)
            rest = parts.pop()
            yield from parts
        if rest:
            yield rest


@contextlib.contextmanager
def streaming(
    path: Path_, args: Sequence[str], *, input: bytes | None = None, config: Sequence[str] = ()
) -> Iterator[GitStream]:
    """Run git and hand over its stdout while it runs; memory stays bounded whatever the output size.

    `input` is written whole before anything is read: only for commands that read all of stdin before
    they write (`log --stdin`, `rev-list --stdin`). On leaving the block git is waited for (a reader
    that stops early closes the pipe, which ends git); the caller then calls `check()` or reads
    `returncode`."""
    with tempfile.TemporaryFile() as errfile:
        proc = subprocess.Popen(command(path, args, config), stdin=subprocess.PIPE if input is not None else
                                subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errfile, env=env())
        if input is not None:
            assert proc.stdin
            proc.stdin.write(input)
            proc.stdin.close()
        stream = GitStream(proc, errfile, path, args)
        try:
            yield stream
        finally:
            stream._finish()


class CatFile:
    """One long-lived `git cat-file --batch` for reading objects one at a time (`<rev>:<path>` or an id).

    In a partial clone git stops at an object the clone lacks, after walking every promisor object
    (0.13-0.28 s on a blob:none psf/requests); a reader that asked for hundreds of absent blobs took
    minutes. So the first stop lists what the clone lacks, once (`absent_objects`), and later reads of
    those ids are answered without asking git. Memory: the absent ids, 20 bytes each (`ObjectIds`)."""

    def __init__(self, path: Path_):
        self.path = path
        self._proc: subprocess.Popen | None = None
        self._absent: ObjectIds | None = None

    def read(self, spec: str) -> tuple[str, bytes] | None:
        """(object type, content) of `spec`, or None when git has no such object. A spec with a line break
        is answered None without asking git (the batch protocol is line-based)."""
        if "\n" in spec or "\r" in spec:
            return None
        if self._absent and len(spec) in (40, 64) and _HEX.fullmatch(spec) and bytes.fromhex(spec) in self._absent:
            return None
        for attempt in (1, 2):
            if self._proc is None or self._proc.poll() is not None:
                self._proc = subprocess.Popen(command(self.path, ["cat-file", "--batch"]), stdin=subprocess.PIPE,
                                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env())
            assert self._proc.stdin and self._proc.stdout
            try:
                self._proc.stdin.write(spec.encode("utf-8", errors="surrogateescape") + b"\n")
                self._proc.stdin.flush()
                break
            except BrokenPipeError:  # it had stopped: once more with a new one
                self._drop()
                if attempt == 2:
                    raise
        assert self._proc and self._proc.stdout
        line = self._proc.stdout.readline()
        if not line:  # git stopped at an object a partial clone lacks (it may not fetch): the next read starts anew
            self._drop()
            if self._absent is None:
                try:
                    self._absent = absent_objects(self.path)
                except GitError:  # a tree is missing too: later reads ask git one by one
                    self._absent = ObjectIds()
            return None
        header = line.decode(errors="replace").split()
        if len(header) < 3 or header[-1] == "missing":
            return None
        data = self._proc.stdout.read(int(header[2]))
        self._proc.stdout.read(1)  # trailing LF
        return header[1], data

    def _drop(self) -> None:
        """Forget a reader that has stopped (its pipes closed, its exit collected)."""
        if self._proc is not None:
            for pipe in (self._proc.stdin, self._proc.stdout):
                if pipe is not None:
                    with contextlib.suppress(OSError):
                        pipe.close()
            self._proc.wait()
            self._proc = None

    def close(self) -> None:
        if self._proc is None:
            return
        try:
            if self._proc.stdin:
                self._proc.stdin.close()
            self._proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):  # best-effort shutdown of a reader
            self._proc.kill()
            self._proc.wait()
        self._proc = None


class ObjectIds:
    """A read-only set of object ids (raw bytes) held compactly: the ids sorted in one `bytearray`, 20 per SHA-1
    id (a frozenset of `bytes` costs about 87), and where each bucket of ids with the same leading bits starts
    (about one bucket per 8 ids, at most 65,536); a lookup searches its bucket only. A blob:none clone of a
    large repository lacks millions of blobs, and a partial clone's readers keep their ids."""

    def __init__(self, packed: bytearray | None = None, width: int = 20):
        """`packed`: the ids end to end; sorted in place and kept (so it is this object's from now on)."""
        import numpy as np  # here, not at import: most git commands never build one

        self.width = width
        packed = packed if packed is not None else bytearray()
        ids = np.frombuffer(packed, dtype=f"S{width}")  # a view: the sort is in place, no copy
        ids.sort()  # a bytes dtype compares as if right-padded with NULs: equal only when identical
        if len(ids) > 1 and (ids[1:] == ids[:-1]).any():  # git lists each object once; a repeat costs a copy
            packed = bytearray(np.unique(ids).tobytes())
            ids = np.frombuffer(packed, dtype=f"S{width}")
        self._shift = 16 - min(16, (len(ids) // 8).bit_length())  # of an id's first 16 bits, the bucket's
        head = np.frombuffer(packed, dtype=np.uint8).reshape(-1, width)[:, :2].astype(np.int64)
        buckets = (head[:, 0] << 8 | head[:, 1]) >> self._shift
        starts = np.searchsorted(buckets, np.arange((1 << 16 >> self._shift) + 1))
        del ids, head, buckets  # views of `packed`: dropped before it is kept
        self._packed = packed
        self._starts = array("q", starts.astype(np.int64).tobytes())

    @classmethod
    def from_hex(cls, ids: Iterable[bytes]) -> ObjectIds:
        """From hex ids (as git prints them), all of one width (SHA-1 or SHA-256 repository)."""
        packed, width = bytearray(), 0
        for hex_id in ids:
            raw = binascii.unhexlify(hex_id)
            if len(raw) != width:
                if width:
                    raise GitError(f"object ids of two widths in one listing ({width} and {len(raw)} bytes)")
                width = len(raw)
            packed += raw
        return cls(packed, width or 20)

    def __contains__(self, oid: object) -> bool:
        if not isinstance(oid, bytes) or len(oid) != self.width:
            return False
        bucket = (oid[0] << 8 | oid[1]) >> self._shift
        low, high = self._starts[bucket] * self.width, self._starts[bucket + 1] * self.width
        at = self._packed.find(oid, low, high)
        while at >= 0 and (at - low) % self.width:  # a match across two ids is not one
            at = self._packed.find(oid, at + 1, high)
        return at >= 0

    def __len__(self) -> int:
        return len(self._packed) // self.width

    def __iter__(self) -> Iterator[bytes]:
        return (bytes(self._packed[i : i + self.width]) for i in range(0, len(self._packed), self.width))

    @property
    def nbytes(self) -> int:
        """Bytes the ids and their bucket starts take."""
        return len(self._packed) + self._starts.itemsize * len(self._starts)


def absent_objects(path: Path_, revs: Sequence[str] | None = None) -> ObjectIds:
    """Ids of the objects reachable from `revs` (default: every ref) that the object store lacks: one
    `rev-list --objects --missing=print`, which reads no blob and fetches nothing (0.14 s over a blob:none
    psf/requests). Held as `ObjectIds` (20 bytes each). Raises GitError when git cannot list them (a tree
    missing too)."""
    args = ["rev-list", "--objects", "--missing=print", "--all" if revs is None else "--stdin"]
    data = None if revs is None else "".join(f"{r}\n" for r in revs).encode()
    with streaming(path, args, input=data) as walk:
        found = ObjectIds.from_hex(line[1:].split(b" ", 1)[0] for line in walk.tokens(b"\n") if line.startswith(b"?"))
    walk.check()
    return found


def read_objects(path: Path_, specs: Iterable[str]) -> dict[str, tuple[str, bytes]]:
    """{spec: (object type, content)} of many objects in one `git cat-file --batch` call (size-delimited,
    so binary-safe); specs git has no object for are left out."""
    specs = list(specs)
    if not specs:
        return {}
    out = run(path, ["cat-file", "--batch"], input="".join(f"{s}\n" for s in specs).encode("utf-8", "surrogateescape")
              ).stdout
    found, pos = {}, 0
    for spec in specs:
        nl = out.index(b"\n", pos)
        header = out[pos:nl].split()
        pos = nl + 1
        if len(header) != 3 or header[-1] == b"missing":
            continue  # absent, ambiguous, or a blob a partial clone lacks
        size = int(header[2])
        found[spec] = (header[1].decode(), out[pos : pos + size])
        pos += size + 1
    return found


TREE_MODE = "40000"  # a tree entry that is a directory (git writes the mode without a leading zero)


def parse_tree(data: bytes, oid_bytes: int = 20) -> list[tuple[str, str, str]]:
    """(mode, name, object id) of each entry of a raw tree object (as `git cat-file --batch` returns it:
    `<mode> <name>\\0<id as oid_bytes raw bytes>` after one another; 20 bytes for SHA-1, 32 for SHA-256).
    Names are decoded like `git ls-tree -z` output is elsewhere (UTF-8, undecodable bytes kept)."""
    out, pos, end = [], 0, len(data)
    while pos < end:
        space, nul = data.find(b" ", pos), data.find(b"\0", pos)
        oid = data[nul + 1 : nul + 1 + oid_bytes]
        if not 0 < space < nul or len(oid) != oid_bytes:
            raise GitError("malformed tree object")
        out.append((data[pos:space].decode(), data[space + 1 : nul].decode("utf-8", "surrogateescape"), oid.hex()))
        pos = nul + 1 + oid_bytes
    return out


# -- blame ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BlameLine:
    line: int  # final line number at the blamed revision
    commit_sha: str
    orig_path: str
    orig_line: int


@dataclass(frozen=True)
class BlameCommit:
    sha: str
    author_name: str | None
    author_time: int | None  # unix seconds
    summary: str | None
    boundary: bool = False  # blame stopped here (a root commit, or the edge of a shallow clone)


def line_ranges(lines: Iterable[int]) -> list[str]:
    """`-L a,b` arguments covering `lines` (consecutive lines merged into one range)."""
    args: list[str] = []
    start = prev = None
    for n in sorted(set(lines)):
        if prev is not None and n == prev + 1:
            prev = n
            continue
        if start is not None:
            args += ["-L", f"{start},{prev}"]
        start = prev = n
    if start is not None:
        args += ["-L", f"{start},{prev}"]
    return args


def ignore_revs(text: str) -> list[str]:
    """Full shas listed in a `.git-blame-ignore-revs` file's text (comments and bad lines dropped)."""
    shas = []
    for line in text.splitlines():
        token = line.split("#", 1)[0].strip().lower()
        if len(token) == 40 and all(c in "0123456789abcdef" for c in token):
            shas.append(token)
    return shas


def objects_dir(path: Path_) -> Path:
    """The repository's own object directory (a worktree's is its main repository's)."""
    common = text(path, ["rev-parse", "--path-format=absolute", "--git-common-dir"]).strip()
    return Path(common) / "objects"


def write_commit_graph(path: Path_, overlay: Overlay, tips: Iterable[str]) -> None:
    """Add the commits reachable from `tips` to the overlay's commit-graph, with changed-path Bloom
    filters (`git commit-graph write --split`: a new layer holds only commits the graph lacks; git
    merges layers as they grow). Writes only under `overlay.objects`; raises `GitError` on failure."""
    (overlay.objects / "info").mkdir(parents=True, exist_ok=True)
    shas = "".join(f"{t}\n" for t in tips).encode()
    run(path, ["commit-graph", "write", "--no-progress", "--split", "--stdin-commits", "--changed-paths"],
        input=shas, overlay=overlay)


def blame(
    path: Path_,
    revision: str,
    file: str,
    lines: Iterable[int] = (),
    ignore: Sequence[str] = (),
    overlay: Overlay | None = None,
) -> tuple[list[BlameLine], dict[str, BlameCommit]]:
    """`git blame -w --porcelain` of `file` at `revision` (a full sha: blame takes no --end-of-options):
    the whole file, or only `lines` (git stops walking the history once those lines are explained);
    commits in `ignore` are skipped (as `.git-blame-ignore-revs` asks). `overlay`: see `Overlay`."""
    if len(revision) != 40 or any(c not in "0123456789abcdef" for c in revision):
        raise GitError(f"blame needs a full commit sha, got {revision!r}")
    args = ["blame", "-w", "--porcelain", *line_ranges(lines)]
    if not ignore:
        out = run(path, [*args, revision, "--", file], overlay=overlay).stdout
    else:
        with tempfile.TemporaryDirectory(prefix="hindsight-blame-") as tmp:
            revs_file = Path(tmp) / "ignore-revs"
            revs_file.write_text("\n".join(ignore) + "\n")
            out = run(path, [*args, "--ignore-revs-file", str(revs_file), revision, "--", file],
                      overlay=overlay).stdout
    return parse_blame_porcelain(out.decode("utf-8", errors="replace"))


def parse_blame_porcelain(text: str) -> tuple[list[BlameLine], dict[str, BlameCommit]]:
    """Parse `git blame --porcelain` output: one row per final line, plus author facts per commit.

    Each line group starts with `<sha> <orig_line> <final_line> [<count>]`; header lines follow (the
    commit's author/summary only the first time the commit appears; `filename` per group, so the last
    seen one per commit is kept), then the content line prefixed by a TAB.
    """
    out: list[BlameLine] = []
    filename_of: dict[str, str] = {}
    info: dict[str, dict] = {}
    sha = ""
    orig = final = 0
    expect_header = True
    for raw in text.split("\n"):
        if expect_header:
            parts = raw.split(" ")
            if len(parts) >= 3 and len(parts[0]) == 40:
                sha, orig, final = parts[0], int(parts[1]), int(parts[2])
                info.setdefault(sha, {})
                expect_header = False
            continue
        if raw.startswith("\t"):
            out.append(BlameLine(final, sha, filename_of.get(sha, ""), orig))
            expect_header = True
        elif raw.startswith("filename "):
            filename_of[sha] = raw[len("filename ") :]
        elif raw == "boundary":
            info[sha]["boundary"] = True
        else:
            key, _, value = raw.partition(" ")
            if key in ("author", "author-time", "summary"):
                info[sha][key] = value
    commits = {
        s: BlameCommit(
            s,
            d.get("author"),
            int(d["author-time"]) if d.get("author-time", "").isdigit() else None,
            d.get("summary"),
            bool(d.get("boundary")),
        )
        for s, d in info.items()
    }
    return out, commits
