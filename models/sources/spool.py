"""The live-ingest spool: append-only, fsync'd segment files under the landing zone.

`hindsight serve` acknowledges a request only after its bytes are on disk: `Spool.append` returns once
the data is written AND fsync'd. Appends from concurrent requests are group-committed by one writer
thread (one write + one fsync for everything queued meanwhile), so the fsync cost is shared.

Layout, for the landing folder of one source (e.g. `data/landing/sentry/`):

    .spool/<name>.part     the open segment (exclusively flock'ed by the server writing it)
    <name>.envelope        a sealed segment: complete, never written again (or `.jsonl` for logs)

The open segment lives in a hidden folder, which ingestion skips (`ingest.list_files`), so the ledger
only ever sees sealed, immutable files (its file id is the sha256 of the bytes). A segment is sealed
when it reaches `max_bytes` or has held data for `max_age_s`: rename into the landing folder, then
fsync of both folders. A segment left by a killed server is still flock-free: `seal_orphans` (called
at server start and before each ingest of the folder) seals it, so every acknowledged byte reaches
the warehouse. A write torn by the kill (never acknowledged) ends such a segment; the reader
quarantines it (`bad_envelope` / `malformed_json`), so nothing disappears silently.
"""

from __future__ import annotations

import asyncio
import fcntl
import itertools
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SPOOL_DIR = ".spool"
PART = ".part"
_seq = itertools.count()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def seal_orphans(folder: str | Path, suffix: str) -> list[Path]:
    """Seal the open segments of `folder/.spool/` that no live process holds (a killed server's).
    Returns the sealed files. Empty leftovers are removed."""
    spool = Path(folder) / SPOOL_DIR
    if not spool.is_dir():
        return []
    sealed = []
    for part in sorted(spool.glob("*" + PART)) + sorted(spool.glob("*.tmp")):
        try:
            fd = os.open(part, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            if not _try_lock(fd):
                continue  # a live server is writing it
            if part.suffix == ".tmp":  # a segment being created (locked a moment later) or a dead one's
                if time.time() - os.fstat(fd).st_mtime > 60:
                    part.unlink(missing_ok=True)
                continue
            if os.fstat(fd).st_size == 0:
                part.unlink(missing_ok=True)
                continue
            target = Path(folder) / (part.name[: -len(PART)] + suffix)
            os.rename(part, target)
            sealed.append(target)
        finally:
            os.close(fd)
    if sealed:
        _fsync_dir(spool)
        _fsync_dir(Path(folder))
    return sealed


@dataclass
class SpoolStats:
    appends: int = 0
    bytes: int = 0
    fsyncs: int = 0
    sealed: int = 0
    recent_fsync_ms: deque = field(default_factory=lambda: deque(maxlen=1000))

    def summary(self) -> dict:
        """Counts plus p50/p99/max of the last 1000 fsyncs (the floor of the acknowledgement latency)."""
        ms = sorted(self.recent_fsync_ms)
        pick = (lambda q: round(ms[min(len(ms) - 1, int(len(ms) * q))], 2)) if ms else (lambda q: None)
        return {"appends": self.appends, "bytes": self.bytes, "fsyncs": self.fsyncs, "sealed": self.sealed,
                "fsync_ms_p50": pick(0.5), "fsync_ms_p99": pick(0.99), "fsync_ms_max": pick(1.0)}


class Spool:
    """Durable appends to rotating segment files of one landing folder (see the module docstring).

    `append` (async) and `append_sync` return only after the bytes are fsync'd. One writer thread does
    all file work; callers never block the event loop on disk."""

    def __init__(self, folder: str | Path, *, suffix: str, prefix: str = "live", max_bytes: int = 64 << 20,
                 max_age_s: float = 2.0, on_seal: Callable[[Path], None] | None = None):
        self.folder = Path(folder)
        self.spool_dir = self.folder / SPOOL_DIR
        self.suffix = suffix
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.max_age_s = max_age_s
        self.on_seal = on_seal
        self.stats = SpoolStats()
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._fd: int | None = None
        self._part: Path | None = None
        self._size = 0
        self._opened_at = 0.0
        self._closed = False
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        seal_orphans(self.folder, suffix)
        self._thread = threading.Thread(target=self._run, name=f"spool-{self.folder.name}", daemon=True)
        self._thread.start()

    # -- callers ---------------------------------------------------------------------------------
    async def append(self, data: bytes) -> None:
        """Append `data`; returns once it is fsync'd (raises OSError if the disk refused it)."""
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self._queue.put((data, loop, fut))
        await fut

    def append_sync(self, data: bytes) -> None:
        done = threading.Event()
        box: list = []
        self._queue.put((data, None, (done, box)))
        done.wait()
        if box:
            raise box[0]

    def close(self) -> None:
        """Seal the open segment and stop the writer (pending appends are written first)."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join()

    # -- the writer thread -------------------------------------------------------------------------
    def _run(self) -> None:
        stop = False
        while not stop:
            timeout = None
            if self._fd is not None:
                timeout = max(0.0, self._opened_at + self.max_age_s - time.monotonic())
            try:
                first = self._queue.get(timeout=timeout)
            except queue.Empty:
                self._seal()
                continue
            batch = []
            item = first
            while True:
                if item is None:
                    stop = True
                else:
                    batch.append(item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._commit(batch)
            if self._fd is not None and (self._size >= self.max_bytes
                                          or time.monotonic() - self._opened_at >= self.max_age_s):
                self._seal()
        self._seal()

    def _commit(self, batch: list) -> None:
        error: BaseException | None = None
        try:
            if self._fd is None:
                self._open()
            data = b"".join(item[0] for item in batch)
            view = memoryview(data)
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
            started = time.perf_counter()
            os.fsync(self._fd)
            self.stats.recent_fsync_ms.append((time.perf_counter() - started) * 1e3)
            self._size += len(data)
            self.stats.appends += len(batch)
            self.stats.bytes += len(data)
            self.stats.fsyncs += 1
        except Exception as exc:  # noqa: BLE001 - disk full, ...: nobody in the batch is acknowledged
            error = exc if isinstance(exc, OSError) else OSError(f"spool write failed: {exc!r}")
            self._abandon_segment()
        by_loop: dict = {}
        for _, loop, fut in batch:
            if loop is None:
                done, box = fut
                if error is not None:
                    box.append(error)
                done.set()
            else:
                by_loop.setdefault(loop, []).append(fut)
        for loop, futs in by_loop.items():
            loop.call_soon_threadsafe(_settle, futs, error)

    def _open(self) -> None:
        name = f"{self.prefix}-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{os.getpid()}-{next(_seq):06d}"
        tmp = self.spool_dir / (name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)  # locked before it has its .part name: orphan sealing skips it
        self._part = self.spool_dir / (name + PART)
        os.rename(tmp, self._part)
        _fsync_dir(self.spool_dir)
        self._fd, self._size, self._opened_at = fd, 0, time.monotonic()

    def _seal(self) -> None:
        if self._fd is None:
            return
        part, fd = self._part, self._fd
        self._fd = self._part = None
        if self._size == 0:
            part.unlink(missing_ok=True)
            os.close(fd)
            return
        target = self.folder / (part.name[: -len(PART)] + self.suffix)
        os.rename(part, target)  # still locked: no orphan sealer can race us
        _fsync_dir(self.spool_dir)
        _fsync_dir(self.folder)
        os.close(fd)
        self.stats.sealed += 1
        if self.on_seal is not None:
            self.on_seal(target)

    def _abandon_segment(self) -> None:
        """After a failed write the segment's tail is unknown: seal what is there and start anew."""
        try:
            self._seal()
        except OSError:
            self._fd = self._part = None


def _settle(futs: list, error: BaseException | None) -> None:
    for fut in futs:
        if fut.done():
            continue
        if error is None:
            fut.set_result(None)
        else:
            fut.set_exception(error)
