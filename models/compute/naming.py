"""Task output named by the content hash of the task's input, written atomically.

A retried or duplicated task (Dask re-runs the tasks of a lost worker; a speculative copy may finish
too) computes the same name and either finds the finished folder or renames its own complete copy into
place: the folder appears whole or not at all, and two copies never mix.

A task killed mid-write (its worker died) leaves its private `.<key>.<uuid>.<pid>@<host>.tmp` folder; the
committer sweeps those at the start of a run (`sweep_stale`): a folder whose owner process is gone (same
host) or in which nothing was written for `[compute] tmp_max_age_s` — never one a live task is filling.
Likewise the `typing-…` folder of a template-typing run whose committer was killed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import time
import uuid
from collections.abc import Callable
from pathlib import Path

MANIFEST = "manifest.json"
# a task's unfinished output `.<key>.<uuid>.<pid>@<host>.tmp`, and a template-typing run's folder
# `typing-<uuid>.<pid>@<host>` (templates.cluster_typer; its committer removes it unless killed)
_SCRATCH = (re.compile(r"^\.[^.]+\.[0-9a-f]{32}(?:\.(?P<pid>\d+)@(?P<host>.+))?\.tmp$"),
            re.compile(r"^typing-[0-9a-f]{32}(?:\.(?P<pid>\d+)@(?P<host>.+))?$"))


def task_key(kind: str, **inputs) -> str:
    """`kind-<sha256 of the inputs>`: the same inputs always name the same output."""
    text = json.dumps({"kind": kind, **inputs}, sort_keys=True, default=str)
    return f"{kind}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]}"


def finished(folder: Path) -> bool:
    return (folder / MANIFEST).is_file()


def write_once(root: Path, key: str, fill: Callable[[Path], dict]) -> Path:
    """`root/key`, made by `fill(tmp)` (which writes the files and returns the manifest) unless it exists.

    The folder is private (0700): task output may hold the reader's reject excerpts before they are
    scrubbed at commit."""
    root.mkdir(parents=True, exist_ok=True)
    final = root / key
    if finished(final):
        return final
    tmp = root / f".{key}.{uuid.uuid4().hex}.{owner()}.tmp"
    tmp.mkdir(mode=0o700)
    try:
        manifest = fill(tmp)
        (tmp / MANIFEST).write_text(json.dumps(manifest, sort_keys=True), encoding="utf-8")
        try:
            os.rename(tmp, final)
        except OSError:  # another copy of the task finished first: its folder is the same content
            if not finished(final):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def read_manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def owner() -> str:
    """`<pid>@<host>` of this process: who is writing a temporary folder."""
    return f"{os.getpid()}@{socket.gethostname()}"


def sweep_stale(root: Path, max_age_s: float, *, now: float | None = None) -> list[Path]:
    """Remove the unfinished task (and typing-run) folders under `root` that no live process is writing;
    returns them.

    A folder goes when its owner (the pid in its name) is no longer running on this host, or when nothing
    in it changed for `max_age_s` seconds (a task writes a part every few seconds; owners on other hosts
    can only be judged by that age). Finished folders are left alone: the committer removes them once
    their file is in the ledger."""
    root = Path(root)
    if not root.is_dir():
        return []
    now = time.time() if now is None else now
    host = socket.gethostname()
    swept = []
    for entry in root.iterdir():
        match = next((m for m in (p.match(entry.name) for p in _SCRATCH) if m), None)
        if not match or not entry.is_dir() or entry.is_symlink():
            continue
        owner_gone = match["pid"] is not None and match["host"] == host and not _running(int(match["pid"]))
        if owner_gone or now - _last_write(entry) > max_age_s:
            shutil.rmtree(entry, ignore_errors=True)
            swept.append(entry)
    return swept


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _last_write(folder: Path) -> float:
    """The newest modification time of the folder and its files (now, when it vanishes meanwhile)."""
    try:
        times = [folder.lstat().st_mtime]
        times += [child.lstat().st_mtime for child in folder.iterdir()]
    except FileNotFoundError:
        return time.time()  # being renamed into place or removed by its owner right now: not stale
    return max(times)
