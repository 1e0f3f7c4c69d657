"""Sentry's ingest protocol for the live server, without any web framework: auth, bodies, envelopes.

- `sentry_key_from(...)`: the public key from `X-Sentry-Auth` (what sentry-sdk sends), an
  `Authorization: Bearer`/`DSN` header or the `sentry_key` query parameter (browser SDKs).
- `decode_body`: gzip / deflate / br request bodies, decompressed with a hard output limit (a zip bomb
  stops at the limit, never in memory whole).
- `frame_envelope`: checks an envelope and re-frames it for the spool. Event items are kept byte for
  byte with an explicit `length`; every other item (transaction, attachment, session(s),
  client_report, unknown kinds) is kept as its header only (`length` 0), so the ingest ledger counts it
  as ignored by kind but its payload (which may hold personal data) is never stored. A broken item
  (header not JSON, payload cut short) becomes a `hindsight.broken` item that the ingest quarantines as
  `bad_envelope` with its position, and the good items around it are kept. Client reports are summed
  (the SDK's own drops, by reason and category).
- `TokenBuckets`: per-key rate limits for 429 + Retry-After + X-Sentry-Rate-Limits.
"""

from __future__ import annotations

import json
import math
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field

from models.errors import InputError
from models.sources.envelope import BROKEN_ITEM  # an item the server could not frame; quarantined at ingest


class BodyError(InputError, ValueError):
    """The request body cannot be read (bad compression, bad envelope): HTTP 400."""


class TooLarge(InputError, ValueError):
    """A size limit was exceeded: HTTP 413."""


@dataclass(frozen=True)
class Limits:
    """Size limits in bytes. Defaults follow Sentry Relay's: 1 MiB per event, 20 MiB compressed body,
    100 MiB decompressed envelope, 1 MiB for a legacy store body (decompressed)."""

    max_body: int = 20 << 20
    max_envelope: int = 100 << 20
    max_event: int = 1 << 20
    max_store: int = 1 << 20
    max_otlp: int = 20 << 20


# -- auth --------------------------------------------------------------------------------------------


def parse_auth_header(value: str) -> dict[str, str]:
    """`Sentry sentry_key=abc, sentry_version=7, sentry_client=x` -> {"sentry_key": "abc", ...}."""
    text = value.strip()
    if text[:7].lower() == "sentry ":
        text = text[7:]
    out = {}
    for part in text.split(","):
        key, sep, val = part.strip().partition("=")
        if sep:
            out[key.strip().lower()] = val.strip()
    return out


def sentry_key_from(headers: dict[str, str], query: dict[str, str]) -> str | None:
    """The public key of a request: X-Sentry-Auth, then `Authorization: Sentry ...`/`Bearer <key>`,
    then the `sentry_key` query parameter. `headers` keys are lower case."""
    auth = headers.get("x-sentry-auth")
    if auth:
        key = parse_auth_header(auth).get("sentry_key")
        if key:
            return key
    authorization = headers.get("authorization", "")
    if authorization[:7].lower() == "sentry ":
        key = parse_auth_header(authorization).get("sentry_key")
        if key:
            return key
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return query.get("sentry_key") or None


# -- bodies ------------------------------------------------------------------------------------------


def decode_body(data: bytes, encoding: str | None, limit: int) -> bytes:
    """Decompress per Content-Encoding (gzip, deflate, br, identity); TooLarge past `limit` bytes of
    output, BodyError on a corrupt or truncated stream."""
    enc = (encoding or "identity").strip().lower()
    if enc in ("", "identity"):
        if len(data) > limit:
            raise TooLarge(f"body of {len(data)} bytes > {limit}")
        return data
    if enc in ("gzip", "x-gzip"):
        return _inflate(data, 16 + zlib.MAX_WBITS, limit, "gzip")
    if enc == "deflate":
        try:
            return _inflate(data, zlib.MAX_WBITS, limit, "deflate")
        except BodyError:  # some clients send raw deflate without the zlib wrapper
            return _inflate(data, -zlib.MAX_WBITS, limit, "deflate")
    if enc == "br":
        return _unbrotli(data, limit)
    raise BodyError(f"unsupported Content-Encoding {encoding!r} (gzip, deflate, br or none)")


def _inflate(data: bytes, wbits: int, limit: int, name: str) -> bytes:
    dec = zlib.decompressobj(wbits)
    try:
        out = dec.decompress(data, limit + 1)
    except zlib.error as exc:
        raise BodyError(f"corrupt {name} body: {exc}") from exc
    if len(out) > limit or dec.unconsumed_tail:
        raise TooLarge(f"decompressed body > {limit} bytes")
    if not dec.eof:
        raise BodyError(f"truncated {name} body: the stream ends before its end marker")
    return out


def _unbrotli(data: bytes, limit: int) -> bytes:
    import brotli

    dec = brotli.Decompressor()
    try:
        out = dec.process(data, output_buffer_limit=limit + 1)
        if len(out) > limit or not dec.can_accept_more_data():
            raise TooLarge(f"decompressed body > {limit} bytes")
    except brotli.error as exc:
        raise BodyError(f"corrupt br body: {exc}") from exc
    if not dec.is_finished():
        raise BodyError("truncated br body: the stream ends before its end marker")
    return out


# -- envelopes ---------------------------------------------------------------------------------------


@dataclass
class FramedEnvelope:
    data: bytes  # what goes to the spool
    event_id: str | None
    items: Counter = field(default_factory=Counter)  # by item type (events included)
    broken: int = 0
    client_drops: Counter = field(default_factory=Counter)  # "reason:category" -> quantity

    @property
    def events(self) -> int:
        return self.items.get("event", 0)


def _json_object(line: bytes) -> dict | None:
    try:
        obj = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    return obj if isinstance(obj, dict) else None


def _item(header: dict, payload: bytes = b"") -> bytes:
    header["length"] = len(payload)
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + payload + b"\n"


def _broken(detail: str, raw: bytes) -> bytes:
    return _item({"type": BROKEN_ITEM, "detail": detail}, raw[:4096])


def frame_envelope(body: bytes, limits: Limits) -> FramedEnvelope:
    """Check and re-frame one envelope (see the module docstring). BodyError when the envelope header
    is not a JSON object; TooLarge when an event item is over `limits.max_event`."""
    nl = body.find(b"\n")
    head_line = body if nl < 0 else body[:nl]
    header = _json_object(head_line.strip())
    if header is None:
        raise BodyError("the envelope header (first line) is not a JSON object")
    event_id = header.get("event_id") if isinstance(header.get("event_id"), str) else None
    out = [json.dumps({k: v for k, v in header.items() if k in ("event_id", "sent_at")},
                      separators=(",", ":")).encode() + b"\n"]
    env = FramedEnvelope(b"", event_id)
    size = len(body)
    pos = size if nl < 0 else nl + 1
    while pos < size:
        end = body.find(b"\n", pos)
        end = size if end < 0 else end
        line = body[pos:end].rstrip(b"\r")
        if not line.strip():
            pos = end + 1
            continue
        item = _json_object(line)
        if item is None or not isinstance(item.get("type"), str):
            out.append(_broken("item header is not a JSON object with a type", line))
            env.broken += 1
            pos = end + 1
            continue
        kind, length, start = item["type"], item.get("length"), end + 1
        if isinstance(length, int) and not isinstance(length, bool) and length >= 0:
            if start + length > size:
                out.append(_broken(f"{kind} payload of {length} bytes is cut short", body[start:]))
                env.broken += 1
                break
            payload, pos = body[start : start + length], start + length + 1
        else:
            stop = body.find(b"\n", start)
            stop = size if stop < 0 else stop
            payload, pos = body[start:stop], stop + 1
        env.items[kind] += 1
        if kind == "event":
            if len(payload) > limits.max_event:
                raise TooLarge(f"event item of {len(payload)} bytes > {limits.max_event}")
            out.append(_item({"type": "event"}, payload))
        else:
            if kind == "client_report":
                _add_client_report(env.client_drops, payload)
            out.append(_item({"type": kind}))
    env.data = b"".join(out)
    return env


def _add_client_report(drops: Counter, payload: bytes) -> None:
    report = _json_object(payload)
    for entry in (report or {}).get("discarded_events") or []:
        if isinstance(entry, dict) and isinstance(entry.get("quantity"), int):
            drops[f"{entry.get('reason')}:{entry.get('category')}"] += entry["quantity"]


def store_envelope(body: bytes, limits: Limits) -> FramedEnvelope:
    """A legacy `/store/` body (one event JSON) as a one-item envelope; BodyError unless a JSON object."""
    if len(body) > limits.max_store:
        raise TooLarge(f"event of {len(body)} bytes > {limits.max_store}")
    event = _json_object(body)
    if event is None:
        raise BodyError("the body is not a JSON object")
    event_id = event.get("event_id") if isinstance(event.get("event_id"), str) else None
    head = json.dumps({"event_id": event_id} if event_id else {}).encode() + b"\n"
    return FramedEnvelope(head + _item({"type": "event"}, body), event_id, Counter(event=1))


# -- rate limits -------------------------------------------------------------------------------------


class TokenBuckets:
    """Per-key token buckets: `rate` requests per second, bursts up to `burst` (default 2 s of rate)."""

    def __init__(self, rate: float, burst: float | None = None):
        self.rate = rate
        self.burst = burst
        self._state: dict[str, tuple[float, float]] = {}

    def take(self, key: str, rate: float | None = None, now: float | None = None) -> float:
        """0.0 when the request may pass, else the seconds to wait for the next token."""
        rate = self.rate if rate is None else rate
        if rate <= 0:
            return 0.0
        burst = self.burst if self.burst is not None else max(1.0, 2 * rate)
        now = time.monotonic() if now is None else now
        tokens, last = self._state.get(key, (burst, now))
        tokens = min(burst, tokens + (now - last) * rate)
        if tokens >= 1.0:
            self._state[key] = (tokens - 1.0, now)
            return 0.0
        self._state[key] = (tokens, now)
        return (1.0 - tokens) / rate


def rate_limit_headers(wait_s: float) -> dict[str, str]:
    """429 headers that sentry-sdk honours: Retry-After and X-Sentry-Rate-Limits (all categories, key scope)."""
    seconds = max(1, math.ceil(wait_s))
    return {"Retry-After": str(seconds), "X-Sentry-Rate-Limits": f"{seconds}::key"}
