"""Split a stream of JSON into its records without parsing it: the elements of a top-level array
(`json_array` exports) or a sequence of top-level values (`json_event`: one event, or several
concatenated). The records then go to the same batch query as NDJSON lines, which validates them.

Why not a JSON parser: Python's decoder builds every object (seconds per 100k events) and needs the whole
file in memory. Here each block is scanned with numpy: the quotes (minus the escaped ones: odd runs of
backslashes) say which bytes are inside strings, and only brackets and commas outside strings count.
Their running depth gives the record boundaries: commas at depth 1 and the closing `]` in an array, the
return to depth 0 in a sequence. The state (inside a string, a trailing backslash run, the depth)
carries from block to block, so memory is one block plus one unfinished record, whatever the file size.

Records come as an Arrow string array over ONE copy of the block, in which the array's separators
(`[`, `,`, `]`) are blanked to spaces: consecutive records are then contiguous, and JSON parsers ignore
the surrounding whitespace. Structural damage (an unterminated string, an unbalanced bracket) cannot be
resynchronised: the rest of the stream is quarantined as one record, as a JSON parser would stop there.
Empty elements (`[1,,2]`, a trailing comma) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from models.sources.ledger import Reject
from models.sources.reader import ArrowLineBatch, TruncatedStream, iter_blocks

_QUOTE, _BACKSLASH, _COMMA, _NEWLINE, _SPACE = 34, 92, 44, 10, 32
_LBRACE, _LBRACKET, _RBRACE, _RBRACKET = 123, 91, 125, 93
_WHITESPACE = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"


@dataclass
class _State:
    """What carries from one block to the next."""

    in_string: bool = False
    backslashes: int = 0  # length of the backslash run that ended the previous block (inside a string)
    depth: int = 0
    pending: bytes = b""  # the unfinished record
    offset: int = 0  # byte offset of pending[0] in the (decompressed) stream
    line_no: int = 1  # line of pending[0]
    phase: str = "before"  # array: before the `[`, inside, after the `]`; "dead" after structural damage
    skipping: bool = False  # the unfinished record is over the size limit and was rejected: drop it


def _escaped(quotes: np.ndarray, backslashes: np.ndarray, carried: int) -> np.ndarray:
    """Which quotes are escaped: preceded by an odd run of backslashes. A run touching the block start
    continues the `carried` backslashes that ended the previous block."""
    if not len(backslashes):
        return (quotes == 0) & (carried % 2 == 1)
    before = np.searchsorted(backslashes, quotes)
    last = np.maximum(before - 1, 0)
    adjacent = (before > 0) & (backslashes[last] == quotes - 1)
    starts = np.ones(len(backslashes), bool)
    starts[1:] = np.diff(backslashes) != 1
    run_start = np.maximum.accumulate(np.where(starts, np.arange(len(backslashes)), 0))
    run = np.where(adjacent, last - run_start[last] + 1, 0)
    run += np.where(adjacent & (backslashes[run_start[last]] == 0), carried, 0)
    run = np.where(quotes == 0, carried, run)
    return run % 2 == 1


def _trailing_run(block: np.ndarray, backslashes: np.ndarray, carried: int) -> int:
    """Length of the backslash run at the end of the block."""
    if not len(block) or block[-1] != _BACKSLASH:
        return 0
    n = len(backslashes)
    k = 1
    while k < n and backslashes[n - 1 - k] == backslashes[n - 1] - k:
        k += 1
    return k + (carried if backslashes[n - k] == 0 else 0)


def _structure(block: np.ndarray, state: _State) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions, byte values and depth before each of the brackets and commas outside strings."""
    quotes = np.flatnonzero(block == _QUOTE)
    backslashes = np.flatnonzero(block == _BACKSLASH)
    real = quotes[~_escaped(quotes, backslashes, state.backslashes)]
    marks = np.flatnonzero(
        (block == _LBRACE) | (block == _LBRACKET) | (block == _RBRACE) | (block == _RBRACKET) | (block == _COMMA)
    )
    marks = marks[(np.searchsorted(real, marks) + state.in_string) % 2 == 0]
    kinds = block[marks]
    delta = ((kinds == _LBRACE) | (kinds == _LBRACKET)).astype(np.int64)
    delta -= ((kinds == _RBRACE) | (kinds == _RBRACKET)).astype(np.int64)
    before = state.depth + np.cumsum(delta) - delta
    state.in_string = bool((len(real) + state.in_string) % 2)
    state.backslashes = _trailing_run(block, backslashes, state.backslashes) if state.in_string else 0
    state.depth = int(before[-1] + delta[-1]) if len(marks) else state.depth
    return marks, kinds, before


def iter_json_records(
    path: str | Path, *, array: bool, block_bytes: int = 24 << 20, max_record_bytes: int = 1 << 20
) -> Iterator[ArrowLineBatch]:
    """One batch of records per block read, each record with its line and byte offset, plus rejects
    for what is not a record: text outside the array, an unclosed array or value, a record over the
    size limit, a truncated gzip. The records themselves are not validated here."""
    state = _State(phase="before" if array else "sequence")
    blocks = iter_blocks(path, block_bytes)
    first, read = True, 0
    while True:
        try:
            block = next(blocks, b"")
        except TruncatedStream as exc:
            batch, block = _end(state, f"stream ends early: {exc}"), b""
        else:
            if block:
                read += len(block)
                if first and block.startswith(_BOM):
                    block, state.offset = block[len(_BOM) :], len(_BOM)
                first = False
                batch = _split(state, block, max_record_bytes)
            else:
                batch = _end(state, None)
        batch.end_offset = read
        yield batch
        if not block:
            return


def _split(state: _State, block: bytes, limit: int) -> ArrowLineBatch:
    if state.phase == "dead":
        return _batch([], [])
    if state.phase == "after":
        return _after_array(state, block)
    base = len(state.pending)
    data = np.frombuffer(state.pending + block, np.uint8).copy()  # the one copy: separators get blanked
    marks, kinds, depth = _structure(data[base:], state)
    marks += base
    closes = (kinds == _RBRACE) | (kinds == _RBRACKET)
    if state.phase == "sequence":
        bad = np.flatnonzero(closes & (depth <= 0))
        ends = marks[closes & (depth == 1)] + 1
        if len(bad):  # the records before the damage still load
            ends = ends[ends <= marks[bad[0]]]
        cuts = np.concatenate(([0], ends))
        return _records(state, data, cuts, limit, damaged=bool(len(bad)))
    if state.phase == "before":
        opening = np.flatnonzero((kinds == _LBRACKET) & (depth == 0))
        head = data[: marks[opening[0]]] if len(opening) else data
        if head.tobytes().strip(_WHITESPACE):
            return _records(state, data, np.zeros(1, np.int64), limit, damaged=True,
                            why="the file does not start with a JSON array")
        start = int(marks[opening[0]]) if len(opening) else len(data)
        state.line_no += int(np.count_nonzero(data[:start] == _NEWLINE))
        state.offset += start
        if not len(opening):
            state.pending = b""
            return _batch([], [])
        data, marks = data[start:], marks - start
        state.phase = "inside"
    closing = np.flatnonzero((kinds == _RBRACKET) & (depth == 1))
    end = int(marks[closing[0]]) if len(closing) else len(data)
    bad = np.flatnonzero((marks < end) & (kinds == _RBRACE) & (depth == 1))  # a } would close the array
    if len(bad):
        end = int(marks[bad[0]])
    seps = marks[(marks < end) & (((kinds == _COMMA) & (depth == 1)) | ((kinds == _LBRACKET) & (depth == 0)))]
    data[seps] = _SPACE  # blank the separators: records become contiguous, valid JSON texts
    cuts = seps if len(seps) and seps[0] == 0 else np.concatenate(([0], seps))
    if len(bad) or not len(closing):
        return _records(state, data, cuts, limit, damaged=bool(len(bad)))
    data[end] = _SPACE
    tail = data[end + 1 :].tobytes()
    state.phase = "after"
    batch = _records(state, data[: end + 1], np.concatenate((cuts, [end])), limit)
    state.pending = b""
    state.offset, state.line_no = state.offset + 1, state.line_no  # the ] itself
    batch.rejects += _after_array(state, tail).rejects
    return batch


def _first_byte(text: bytes) -> int:
    """How many whitespace bytes (blanked separators included) precede a record's first byte."""
    return len(text) - len(text.lstrip(_WHITESPACE))


def _records(state: _State, data: np.ndarray, cuts: np.ndarray, limit: int, *, damaged: bool = False,
             why: str = "a closing bracket without its opening one") -> ArrowLineBatch:
    """Spans between consecutive cuts are records; data[cuts[-1]:] stays pending (unless over the size
    limit), or, when `damaged`, is quarantined as the rest of the file."""
    starts, ends = cuts[:-1], cuts[1:]
    sizes = ends - starts
    keep = sizes > 0
    if state.skipping and len(starts):  # the first span ends a record already rejected as too long
        keep[0] = False
        state.skipping = False
    newlines = np.flatnonzero(data == _NEWLINE)
    rejects: list[Reject] = []
    for i in np.flatnonzero(keep & (sizes > limit)):  # rare: Python for the offending records only
        head = data[starts[i] : starts[i] + 4096].tobytes()
        at = int(starts[i]) + _first_byte(head)
        rejects.append(Reject(state.line_no + int(np.searchsorted(newlines, at)), state.offset + at, "line_too_long",
                              f"record of {int(sizes[i])} bytes > {limit}", head.lstrip(_WHITESPACE)[:400]))
        keep[i] = False
    raw = data[: int(ends[-1])].tobytes() if len(ends) else b""
    batch = _batch_from_spans(state, raw, starts[keep], ends[keep], newlines, rejects)
    consumed = int(cuts[-1])
    state.line_no += int(np.searchsorted(newlines, consumed))
    state.offset += consumed
    rest = data[consumed:].tobytes()
    state.pending = b""
    if damaged:  # structural damage: the rest of the stream is one quarantined record
        state.phase = "dead"
        batch.rejects.append(_reject_rest(state, rest, "malformed_json", f"{why} (rest of the file skipped)"))
    elif len(rest) > limit and not state.skipping:
        batch.rejects.append(_reject_rest(state, rest, "line_too_long", f"record longer than {limit} bytes"))
        state.skipping = True
    if state.skipping:  # its bytes are dropped as they come: memory stays bounded
        state.line_no += rest.count(b"\n")
        state.offset += len(rest)
    elif not damaged:
        state.pending = rest
    return batch


def _reject_rest(state: _State, rest: bytes, reason: str, detail: str) -> Reject:
    lead = _first_byte(rest[:4096])
    return Reject(state.line_no + rest[:lead].count(b"\n"), state.offset + lead, reason, detail,
                  rest[lead : lead + 400])


def _batch_from_spans(state: _State, raw: bytes, starts: np.ndarray, ends: np.ndarray, newlines: np.ndarray,
                      rejects: list[Reject]) -> ArrowLineBatch:
    """The records raw[starts[i]:ends[i]] as a string array (zero-copy when they are contiguous, as they
    are unless a too-long record was dropped between them), with their line and byte offset."""
    if not len(starts):
        return _batch([], rejects)
    if (ends[:-1] == starts[1:]).all():
        bounds = np.append(starts, ends[-1]) - starts[0]
        values = pa.StringArray.from_buffers(
            len(starts), pa.py_buffer(bounds.astype(np.int32).tobytes()), pa.py_buffer(raw[starts[0] : ends[-1]])
        )
    else:  # rare: copy the kept records
        values = pa.array([raw[a:b] for a, b in zip(starts.tolist(), ends.tolist())], pa.binary())
        values = values.cast(pa.string(), safe=False)
    try:
        values.validate(full=True)
    except pa.ArrowInvalid:  # some record is not UTF-8 (rare path: Python for this block's records)
        good = []
        for k, (a, b) in enumerate(zip(starts.tolist(), ends.tolist())):
            try:
                raw[a:b].decode("utf-8")
                good.append(k)
            except UnicodeDecodeError as exc:
                at = a + _first_byte(raw[a : a + 4096])
                rejects.append(Reject(state.line_no + int(np.searchsorted(newlines, at)), state.offset + at,
                                      "invalid_utf8", f"invalid UTF-8 at byte {exc.start - (at - a)} of the record",
                                      raw[at : at + 400]))
        values = pa.array([raw[starts[k] : ends[k]].decode("utf-8") for k in good], pa.string())
        starts = starts[np.array(good, np.int64)]
    blank = pc.equal(pc.binary_length(pc.utf8_trim(values, _WHITESPACE.decode())), 0)
    if pc.any(blank).as_py():  # empty elements: `[1,,2]`, a trailing comma
        keep = pc.invert(blank)
        values, starts = values.filter(keep), starts[np.asarray(keep)]
    ltrimmed = pc.binary_length(pc.utf8_ltrim(values, _WHITESPACE.decode()))
    first = starts + np.asarray(pc.subtract(pc.binary_length(values), ltrimmed))  # each record's first byte
    line_nos = state.line_no + np.searchsorted(newlines, first)
    return ArrowLineBatch(values, line_nos.astype(np.int64), (state.offset + first).astype(np.int64), rejects,
                          line_count=len(values))


def _batch(values: list, rejects: list[Reject]) -> ArrowLineBatch:
    return ArrowLineBatch(pa.array(values, pa.string()), np.zeros(0, np.int64), np.zeros(0, np.int64), rejects)


def _after_array(state: _State, text: bytes) -> ArrowLineBatch:
    stripped = text.lstrip(_WHITESPACE)
    if not stripped:
        return _batch([], [])
    skipped = len(text) - len(stripped)
    line = state.line_no + text[:skipped].count(b"\n")
    state.phase = "dead"
    return _batch([], [Reject(line, state.offset + skipped, "malformed_json", "text after the closing ]", stripped[:400])])


def _end(state: _State, truncated: str | None) -> ArrowLineBatch:
    """End of the stream: what is still pending."""
    pending, skipping = state.pending, state.skipping
    state.pending = b""
    if truncated is not None:
        return _batch([], [_reject_rest(state, pending, "truncated_gzip", truncated)])
    if state.phase == "inside" and not skipping:
        return _batch([], [_reject_rest(state, pending, "malformed_json", "the array is not closed")])
    if state.phase != "sequence" or skipping or not pending.strip(_WHITESPACE):
        return _batch([], [])
    newlines = np.flatnonzero(np.frombuffer(pending, np.uint8) == _NEWLINE)  # an unclosed or bare value:
    return _batch_from_spans(state, pending, np.array([0]), np.array([len(pending)]), newlines, [])  # quarantined later
