"""Sentry envelopes, exactly as sentry-sdk writes them (https://develop.sentry.dev/sdk/envelopes/).

    {"event_id": "...", "sent_at": "...", ...}        envelope header (one line)
    {"type": "event", "length": 3423, ...}            item header
    <payload: `length` bytes, or up to the newline when there is no length>
    ... more items; several envelopes may follow one another in one file

An item header has a `type`; an envelope header has none, which is how a new envelope is recognised.
`event` payloads are returned for loading; every other item kind (transaction, session, sessions,
client_report, attachment, ...) is counted as ignored by kind. A header line that is not JSON, or a
payload cut short, is a `bad_envelope` reject, and parsing resumes at the next line.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from models.sources.ledger import Reject

EVENT_TYPES = ("event",)


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


def parse_envelopes(data: bytes) -> EnvelopeItems:
    """Split the decompressed bytes of an envelope file into event payloads, ignored kinds and rejects."""
    out = EnvelopeItems()
    pos, line_no, size = 0, 1, len(data)
    while pos < size:
        end = data.find(b"\n", pos)
        end = size if end < 0 else end
        line = data[pos:end].rstrip(b"\r")
        if not line.strip():
            pos, line_no = end + 1, line_no + 1
            continue
        header = _header(line)
        if header is None:
            out.rejects.append(Reject(line_no, pos, "bad_envelope", "header line is not a JSON object", line[:400]))
            pos, line_no = end + 1, line_no + 1
            continue
        pos, line_no = end + 1, line_no + 1
        if "type" not in header:  # an envelope header: its items follow
            continue
        kind = str(header.get("type"))
        length = header.get("length")
        start, start_line = pos, line_no
        if isinstance(length, int) and length >= 0:
            if start + length > size:
                out.rejects.append(
                    Reject(start_line, start, "bad_envelope", f"{kind} payload of {length} bytes is cut short", data[start:start + 400])
                )
                break
            payload = data[start : start + length]
            pos = start + length
            if data[pos : pos + 1] == b"\n":
                pos += 1
        else:
            nl = data.find(b"\n", start)
            nl = size if nl < 0 else nl
            payload = data[start:nl]
            pos = nl + 1
        line_no += payload.count(b"\n") + 1
        if kind in EVENT_TYPES:
            try:
                out.events.append((start_line, start, payload.decode("utf-8")))
            except UnicodeDecodeError as exc:
                out.rejects.append(Reject(start_line, start, "invalid_utf8", f"event payload: {exc}", payload[:400]))
        else:
            out.ignored[kind] += 1
    return out


def looks_like_envelope(first_line: bytes, second_line: bytes) -> bool:
    """Envelope = a header object without `type`, then an item header with a `type`."""
    a, b = _header(first_line), _header(second_line)
    return a is not None and b is not None and "type" not in a and "exception" not in a and isinstance(b.get("type"), str)
