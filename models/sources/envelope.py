"""Sentry envelopes, exactly as sentry-sdk writes them (https://develop.sentry.dev/sdk/envelopes/).

    {"event_id": "...", "sent_at": "...", ...}        envelope header (one line)
    {"type": "event", "length": 3423, ...}            item header
    <payload: `length` bytes, or up to the newline when there is no length>
    ... more items; several envelopes may follow one another in one file

An item header has a `type`; an envelope header has none, which is how a new envelope is recognised.
`event` payloads are returned for loading; every other item kind (transaction, session, sessions,
client_report, attachment, ...) is counted as ignored by kind. A header line that is not JSON, or a
payload cut short, is a `bad_envelope` reject, and parsing resumes at the next line. A
`hindsight.broken` item (written by `hindsight serve` for a piece of a received envelope it could not
frame) is a `bad_envelope` reject too.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from models.sources.ledger import Reject

EVENT_TYPES = ("event",)
BROKEN_ITEM = "hindsight.broken"  # written by `hindsight serve` for an item it could not frame (live.py)


@dataclass
class EnvelopeItems:
    events: list[tuple[int, int, str]] = field(default_factory=list)  # (line_no, byte_offset, payload)
    ignored: Counter = field(default_factory=Counter)
    rejects: list[Reject] = field(default_factory=list)


def _header(line: bytes) -> dict | None:
    try:
        obj = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    return obj if isinstance(obj, dict) else None


class EnvelopeParser:
    """Incremental: `feed` blocks of the file as they are read; each call returns the items completed so
    far and keeps the unfinished one (a header line or a payload still arriving). Memory is one block
    plus one item, whatever the file size."""

    def __init__(self) -> None:
        self.buffer = b""
        self.offset = 0  # byte offset of buffer[0] in the (decompressed) file
        self.line_no = 1  # line of buffer[0]

    def feed(self, data: bytes, *, final: bool = False) -> EnvelopeItems:
        """Parse what `data` completes; at the end of the file (`final`) an unfinished item is a reject."""
        buf = self.buffer + data if self.buffer else data
        out = EnvelopeItems()
        pos, line_no, size = 0, self.line_no, len(buf)
        while pos < size:
            end = buf.find(b"\n", pos)
            if end < 0 and not final:
                break  # the header line goes on in the next block
            end = size if end < 0 else end
            line = buf[pos:end].rstrip(b"\r")
            if not line.strip():
                pos, line_no = end + 1, line_no + 1
                continue
            header = _header(line)
            if header is None:
                out.rejects.append(Reject(line_no, self.offset + pos, "bad_envelope", "header line is not a JSON object",
                                          line[:400]))
                pos, line_no = end + 1, line_no + 1
                continue
            if "type" not in header:  # an envelope header: its items follow
                pos, line_no = end + 1, line_no + 1
                continue
            kind = str(header.get("type"))
            length = header.get("length")
            start, start_line = end + 1, line_no + 1
            if isinstance(length, int) and length >= 0:
                if start + length > size:
                    if not final:
                        break  # the payload is still arriving: parse this item again with more bytes
                    out.rejects.append(Reject(start_line, self.offset + start, "bad_envelope",
                                              f"{kind} payload of {length} bytes is cut short", buf[start : start + 400]))
                    pos, line_no = size, line_no + buf[pos:size].count(b"\n")
                    break
                payload, after = buf[start : start + length], start + length
                if buf[after : after + 1] == b"\n":
                    after += 1
                elif after == size and not final:
                    break  # its newline may be in the next block
            else:
                nl = buf.find(b"\n", start)
                if nl < 0 and not final:
                    break
                nl = size if nl < 0 else nl
                payload, after = buf[start:nl], nl + 1
            line_no = start_line + payload.count(b"\n") + 1
            pos = after
            if kind == BROKEN_ITEM:
                out.rejects.append(Reject(start_line, self.offset + start, "bad_envelope",
                                          f"received broken: {header.get('detail')}", payload[:400]))
            elif kind in EVENT_TYPES:
                try:
                    out.events.append((start_line, self.offset + start, payload.decode("utf-8")))
                except UnicodeDecodeError as exc:
                    out.rejects.append(Reject(start_line, self.offset + start, "invalid_utf8", f"event payload: {exc}",
                                              payload[:400]))
            else:
                out.ignored[kind] += 1
        pos = min(pos, size)
        self.buffer, self.offset, self.line_no = buf[pos:], self.offset + pos, line_no
        return out


def parse_envelopes(data: bytes) -> EnvelopeItems:
    """Split the decompressed bytes of a whole envelope file into event payloads, ignored kinds and rejects."""
    return EnvelopeParser().feed(data, final=True)


def looks_like_envelope(first_line: bytes, second_line: bytes) -> bool:
    """Envelope = a header object without `type`, then an item header with a `type`."""
    a, b = _header(first_line), _header(second_line)
    return a is not None and b is not None and "type" not in a and "exception" not in a and isinstance(b.get("type"), str)
