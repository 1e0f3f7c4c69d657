"""Task output named by the content hash of the task's input, written atomically.

A retried or duplicated task (Dask re-runs the tasks of a lost worker; a speculative copy may finish
too) computes the same name and either finds the finished folder or renames its own complete copy into
place: the folder appears whole or not at all, and two copies never mix."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

MANIFEST = "manifest.json"


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
    tmp = root / f".{key}.{uuid.uuid4().hex}.tmp"
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
