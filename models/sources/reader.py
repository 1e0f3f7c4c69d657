"""Reading input files as batches of decoded lines, with every unreadable piece reported as a Reject.

gzip is recognised by its magic bytes, not by the file name. Lines are split on `\\n` (a trailing
`\\r` is dropped). The fast path decodes a whole chunk at once; only a chunk that fails to decode is
examined line by line, so one bad byte costs one quarantined line, not the batch. Memory is bounded
by the chunk size plus `max_line_bytes`: an over-long line is skipped up to its newline, never
buffered whole.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa

from models.errors import InputError
from models.sources.ledger import Reject

GZIP_MAGIC = b"\x1f\x8b"
CHUNK_BYTES = 8 << 20


def is_gzip(path: str | Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def open_stream(path: str | Path) -> BinaryIO:
    """The file's (decompressed) bytes; gzip detected by magic bytes."""
    if is_gzip(path):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


class TruncatedStream(InputError, EOFError):
    """The compressed stream ended early or is corrupt; everything before it was already yielded."""


def iter_blocks(path: str | Path, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Decompressed blocks of the file. Unlike GzipFile.read, a truncated gzip loses no decoded byte:
    every byte before the damage is yielded, then TruncatedStream is raised. Multi-member gzip is handled."""
    with open(path, "rb") as fh:
        if fh.read(2) != GZIP_MAGIC:
            fh.seek(0)
            while block := fh.read(size):
                yield block
            return
        fh.seek(0)
        dec = zlib.decompressobj(wbits=31)
        while raw := fh.read(1 << 20):
            while raw:
                if dec.eof:  # one gzip member finished: another member, padding, or garbage follows
                    if raw[:2] != GZIP_MAGIC:
                        if raw.strip(b"\0"):
                            raise TruncatedStream("trailing garbage after the gzip stream")
                        break
                    dec = zlib.decompressobj(wbits=31)
                try:
                    out = dec.decompress(raw, size)
                except zlib.error as exc:
                    raise TruncatedStream(f"corrupt compressed data: {exc}") from exc
                if out:
                    yield out
                raw = dec.unused_data if dec.eof else dec.unconsumed_tail
        if not dec.eof:
            raise TruncatedStream("compressed file ended before the end-of-stream marker")


@dataclass
class LineBatch:
    lines: list[str]
    line_nos: list[int]  # 1-based
    byte_offsets: list[int]  # offset of the line's first byte in the decompressed stream
    rejects: list[Reject] = field(default_factory=list)


def _decode_lines(parts: list[bytes], first_no: int, offsets: list[int]) -> tuple[list[str], list[int], list[int], list[Reject]]:
    """Decode complete lines; fast path = one decode for the whole chunk, else line by line."""
    try:
        text = b"\n".join(parts).decode("utf-8")
    except UnicodeDecodeError:
        lines, nos, good_offsets, rejects = [], [], [], []
        for i, raw in enumerate(parts):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                detail = f"invalid UTF-8 at byte {exc.start} of the line"
                rejects.append(Reject(first_no + i, offsets[i], "invalid_utf8", detail, raw[:400]))
                continue
            lines.append(line.removesuffix("\r"))
            nos.append(first_no + i)
            good_offsets.append(offsets[i])
        return lines, nos, good_offsets, rejects
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    lines[-1] = lines[-1].removesuffix("\r")
    return lines, list(range(first_no, first_no + len(parts))), offsets, []


def iter_line_batches(
    path: str | Path, *, batch_lines: int = 50_000, max_line_bytes: int = 1_048_576
) -> Iterator[LineBatch]:
    """Yield the file's lines in batches of about `batch_lines` (blank lines included, so multi-line
    records stay intact). Rejects: invalid_utf8, line_too_long, truncated_gzip (lines before the
    damage are still yielded)."""
    chunk_bytes = max(CHUNK_BYTES, max_line_bytes + 1)
    line_no = 1  # number of the line `pending` starts
    offset = 0  # stream offset of `pending`
    pending = b""
    skipping = False  # inside an over-long line: drop bytes up to the next newline
    batch = LineBatch([], [], [], [])
    blocks = iter_blocks(path, chunk_bytes)
    while True:
        try:
            block = next(blocks, b"")
        except TruncatedStream as exc:
            batch.rejects.append(Reject(line_no, offset, "truncated_gzip", f"stream ends early: {exc}", pending[:400]))
            yield batch
            return
        if not block:
            break
        if skipping:
            cut = block.find(b"\n")
            if cut < 0:
                offset += len(block)
                continue
            offset += cut + 1
            line_no += 1
            block = block[cut + 1 :]
            skipping = False
        data = pending + block if pending else block
        parts = data.split(b"\n")
        pending = parts.pop()
        if parts:
            _add_lines(batch, parts, line_no, offset, max_line_bytes)
            offset += len(data) - len(pending)
            line_no += len(parts)
        if len(pending) > max_line_bytes:
            batch.rejects.append(
                Reject(line_no, offset, "line_too_long", f"line longer than {max_line_bytes} bytes", pending[:400])
            )
            offset += len(pending)
            pending = b""
            skipping = True
        if len(batch.lines) >= batch_lines:
            yield batch
            batch = LineBatch([], [], [], [])
    if pending and not skipping:
        _add_lines(batch, [pending], line_no, offset, max_line_bytes)
    if batch.lines or batch.rejects:
        yield batch


def _add_lines(batch: LineBatch, parts: list[bytes], line_no: int, offset: int, max_line_bytes: int) -> None:
    """Decode complete lines `parts` (numbered from `line_no`, starting at `offset`) into `batch`."""
    starts = list(accumulate((len(p) + 1 for p in parts), initial=offset))[:-1]
    longest = max(map(len, parts))
    if longest <= max_line_bytes:
        lines, nos, offs, rejects = _decode_lines(parts, line_no, starts)
    else:
        idx = [i for i, p in enumerate(parts) if len(p) <= max_line_bytes]
        for i, p in enumerate(parts):
            if len(p) > max_line_bytes:
                batch.rejects.append(
                    Reject(line_no + i, starts[i], "line_too_long", f"line of {len(p)} bytes > {max_line_bytes}", p[:400])
                )
        lines, nos, offs, rejects = _decode_lines([parts[i] for i in idx], 0, [starts[i] for i in idx])
        nos = [line_no + idx[n] for n in nos]
        for r in rejects:
            r.line_no = line_no + idx[r.line_no]
    batch.lines += lines
    batch.line_nos += nos
    batch.byte_offsets += offs
    batch.rejects += rejects


@dataclass
class ArrowLineBatch:
    """Lines as one Arrow string array built without a Python object per line (for big NDJSON files).

    Each value is the line WITH its line ending (`\\n`, `\\r\\n`): that keeps the values contiguous in the
    decoded buffer, so the array is made zero-copy. JSON parsers ignore the trailing whitespace."""

    lines: pa.Array
    line_nos: np.ndarray
    byte_offsets: np.ndarray
    rejects: list[Reject]
    end_offset: int = 0
    line_count: int = 0  # lines read, rejected ones included


def _arrow_lines(data: bytes, line_no: int, offset: int, max_line_bytes: int) -> ArrowLineBatch:
    buf = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10) + 1  # exclusive ends, newline included
    if len(ends) == 0 or ends[-1] != len(data):  # final line without newline
        ends = np.append(ends, len(data))
    starts = np.concatenate(([0], ends[:-1]))
    lengths = ends - starts
    nos = np.arange(line_no, line_no + len(starts), dtype=np.int64)
    rejects: list[Reject] = []
    keep = lengths > 0
    too_long = np.flatnonzero(lengths > max_line_bytes + 2)
    for i in too_long:  # rare: Python only for the offending lines
        raw = data[starts[i] : min(ends[i], starts[i] + 400)]
        rejects.append(Reject(int(nos[i]), offset + int(starts[i]), "line_too_long",
                              f"line of {int(lengths[i])} bytes > {max_line_bytes}", raw))
        keep[i] = False
    if not keep.all():
        starts, ends, nos = starts[keep], ends[keep], nos[keep]
    if len(too_long):  # values must be contiguous: rebuild from the kept slices
        pieces = [data[s:e] for s, e in zip(starts.tolist(), ends.tolist())]
        data = b"".join(pieces)
        lens = ends - starts
        value_offsets = np.concatenate(([0], np.cumsum(lens))).astype(np.int32)
    else:
        value_offsets = np.concatenate((starts, ends[-1:] if len(ends) else [0])).astype(np.int32)
    arr = pa.StringArray.from_buffers(len(starts), pa.py_buffer(value_offsets.tobytes()), pa.py_buffer(data))
    try:
        arr.validate(full=True)
    except pa.ArrowInvalid:  # some line is not UTF-8: find it (rare path)
        good, bad_rejects = [], []
        for k in range(len(starts)):
            raw = data[value_offsets[k] : value_offsets[k + 1]]
            try:
                raw.decode("utf-8")
                good.append(k)
            except UnicodeDecodeError as exc:
                bad_rejects.append(Reject(int(nos[k]), offset + int(starts[k]), "invalid_utf8",
                                          f"invalid UTF-8 at byte {exc.start} of the line", raw[:400]))
        idx = np.array(good, dtype=np.int64)
        arr = pa.array([data[value_offsets[k] : value_offsets[k + 1]].decode("utf-8") for k in good], pa.string())
        starts, nos = starts[idx] if len(idx) else starts[:0], nos[idx] if len(idx) else nos[:0]
        rejects += bad_rejects
    return ArrowLineBatch(arr, nos, offset + starts.astype(np.int64), rejects, line_count=len(lengths))


def iter_arrow_line_batches(
    path: str | Path, *, batch_bytes: int = 32 << 20, max_line_bytes: int = 1_048_576
) -> Iterator[ArrowLineBatch]:
    """Like iter_line_batches, but each batch is an Arrow array made without a Python str per line.
    Lines keep their line ending (see ArrowLineBatch); blank lines are left for the caller to drop."""
    parts: list[bytes] = []  # the pending bytes, joined once per batch (`+=` would copy them per block)
    size, newline_seen = 0, False
    line_no, offset = 1, 0
    blocks = iter_blocks(path, CHUNK_BYTES)
    skipping = False
    truncated: TruncatedStream | None = None
    while True:
        try:
            block = next(blocks, b"")
        except TruncatedStream as exc:
            block, truncated = b"", exc
        if skipping and block:
            cut = block.find(b"\n")
            if cut < 0:
                offset += len(block)
                continue
            offset, line_no, block, skipping = offset + cut + 1, line_no + 1, block[cut + 1 :], False
        if block:
            parts.append(block)
            size += len(block)
            newline_seen = newline_seen or b"\n" in block
            if size < batch_bytes and (newline_seen or size <= max_line_bytes):
                continue
        # end of stream (block empty), a full batch, or a line over the limit without a newline yet
        pending = b"".join(parts)
        last = pending.rfind(b"\n")
        if not block and truncated is None:
            last = len(pending) - 1  # the final line needs no newline
        if last < 0 and pending and block:  # over-long line still growing
            rej = Reject(line_no, offset, "line_too_long", f"line longer than {max_line_bytes} bytes", pending[:400])
            offset, parts, size, skipping = offset + len(pending), [], 0, True
            yield ArrowLineBatch(pa.array([], pa.string()), np.zeros(0, np.int64), np.zeros(0, np.int64), [rej])
            continue
        if last >= 0:
            data, pending = pending[: last + 1], pending[last + 1 :]
            batch = _arrow_lines(data, line_no, offset, max_line_bytes)
            line_no += batch.line_count
            offset += len(data)
            batch.end_offset = offset
            yield batch
        parts, size, newline_seen = ([pending] if pending else []), len(pending), False
        if not block:
            if truncated is not None:
                rej = Reject(line_no, offset, "truncated_gzip", f"stream ends early: {truncated}", pending[:400])
                yield ArrowLineBatch(pa.array([], pa.string()), np.zeros(0, np.int64), np.zeros(0, np.int64), [rej])
            return
