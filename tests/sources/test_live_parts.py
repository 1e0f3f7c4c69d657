"""The parts of live ingest on their own: envelope framing, body decoding limits, rate buckets, OTLP
conversion, the spool's durability rules (orphan sealing, lock) and the keys file."""

from __future__ import annotations

import base64
import fcntl
import gzip
import json
import os
import threading
import zlib

import brotli
import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

from models.sources.envelope import parse_envelopes
from models.sources.ingest_keys import KeyCache, create_key, list_keys, revoke_key, set_project_disabled
from models.sources.live import (
    BodyError,
    Limits,
    TokenBuckets,
    TooLarge,
    decode_body,
    frame_envelope,
    sentry_key_from,
)
from models.sources.otlp import OtlpError, log_lines, parse_request
from models.sources.spool import SPOOL_DIR, Spool, seal_orphans


def test_auth_from_header_query_and_bearer():
    assert sentry_key_from({"x-sentry-auth": "Sentry sentry_key=abc, sentry_version=7"}, {}) == "abc"
    assert sentry_key_from({}, {"sentry_key": "q1"}) == "q1"
    assert sentry_key_from({"authorization": "Bearer tok"}, {}) == "tok"
    assert sentry_key_from({"authorization": "Sentry sentry_key=s2"}, {}) == "s2"
    assert sentry_key_from({}, {}) is None


def test_decode_body_encodings_and_limits():
    data = b'{"a": 1}\n' * 100
    for encoded, name in ((gzip.compress(data), "gzip"), (zlib.compress(data), "deflate"),
                          (zlib.compress(data)[2:-4], "deflate"), (brotli.compress(data), "br"), (data, None)):
        assert decode_body(encoded, name, 1 << 20) == data
    with pytest.raises(TooLarge):
        decode_body(gzip.compress(b"0" * 5000), "gzip", 4999)
    with pytest.raises(TooLarge):
        decode_body(brotli.compress(b"0" * 5000), "br", 4999)
    with pytest.raises(BodyError):
        decode_body(gzip.compress(data)[:-20], "gzip", 1 << 20)
    with pytest.raises(BodyError):
        decode_body(brotli.compress(data)[:-3], "br", 1 << 20)
    with pytest.raises(BodyError):
        decode_body(data, "zstd", 1 << 20)


def test_frame_envelope_keeps_events_counts_the_rest_and_marks_broken_items():
    event = b'{"event_id": "0123456789abcdef0123456789abcdef", "message": "hi"}'
    body = (b'{"event_id": "0123456789abcdef0123456789abcdef", "dsn": "http://k@h/1"}\n'
            b'{"type": "event", "length": %d}\n' % len(event) + event + b"\n"
            b'{"type": "attachment", "length": 5, "filename": "a.txt"}\nsecre\n'
            b"garbage line\n"
            b'{"type": "event"}\n' + event + b"\n"
            b'{"type": "session", "length": 99}\n{"short": 1}\n')
    framed = frame_envelope(body, Limits())
    assert framed.event_id == "0123456789abcdef0123456789abcdef"
    assert dict(framed.items) == {"event": 2, "attachment": 1} and framed.broken == 2
    assert b"secre" not in framed.data and b"dsn" not in framed.data  # payloads of other kinds are not spooled
    parsed = parse_envelopes(framed.data)  # what the ingest reads back
    assert [e[2] for e in parsed.events] == [event.decode()] * 2
    assert dict(parsed.ignored) == {"attachment": 1}
    assert [r.reason for r in parsed.rejects] == ["bad_envelope", "bad_envelope"]
    with pytest.raises(TooLarge):
        frame_envelope(b'{}\n{"type": "event", "length": 11}\n{"x": "yy"}\n', Limits(max_event=10))
    with pytest.raises(BodyError):
        frame_envelope(b"not an envelope\n", Limits())


def test_token_buckets_refill():
    buckets = TokenBuckets(rate=2, burst=2)
    assert buckets.take("k", now=0.0) == 0.0 and buckets.take("k", now=0.0) == 0.0
    wait = buckets.take("k", now=0.0)
    assert wait == pytest.approx(0.5)
    assert buckets.take("k", now=0.5) == 0.0  # one token back after 1/rate seconds
    assert buckets.take("other", now=0.0) == 0.0  # per key
    assert buckets.take("k", rate=0) == 0.0  # 0 = unlimited


def test_otlp_json_hex_ids_are_not_read_as_base64():
    trace_hex, span_hex = "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174"
    doc = {"resourceLogs": [{"scopeLogs": [{"logRecords": [
        {"traceId": trace_hex, "spanId": span_hex, "body": {"stringValue": "x"}, "severityNumber": 17}]}]}]}
    request = parse_request(json.dumps(doc).encode(), "application/json", "logs")
    record = request.resource_logs[0].scope_logs[0].log_records[0]
    assert record.trace_id.hex() == trace_hex and record.span_id.hex() == span_hex
    assert base64.b64decode(base64.b64encode(record.trace_id)).hex() == trace_hex
    line = json.loads(log_lines(request, "2026-01-01T00:00:00Z").data)
    assert line["trace_id"] == trace_hex and line["span_id"] == span_hex and line["level"] == 17
    assert parse_request(ExportLogsServiceRequest().SerializeToString(), "application/x-protobuf", "logs") is not None
    for bad, ctype in ((b"[1]", "application/json"), (b"{bad", "application/json"), (b"\x0a\xff", "application/x-protobuf")):
        with pytest.raises(OtlpError):
            parse_request(bad, ctype, "logs")


def test_spool_appends_are_durable_and_segments_sealed(tmp_path):
    folder = tmp_path / "sentry"
    spool = Spool(folder, suffix=".envelope", max_bytes=100, max_age_s=60)
    for _ in range(10):  # one at a time: each its own write + fsync; the segment rotates past 100 bytes
        spool.append_sync(b"x" * 30 + b"\n")
    assert len(list(folder.glob("live-*.envelope"))) == 2  # 4 + 4 appends sealed, 2 still open
    threads = [threading.Thread(target=spool.append_sync, args=(b"y" * 30 + b"\n",)) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    spool.close()
    sealed = sorted(folder.glob("live-*.envelope"))
    assert sum(p.stat().st_size for p in sealed) == 620 and len(sealed) >= 3
    assert not list((folder / SPOOL_DIR).glob("*.part"))
    assert all(p.stat().st_mode & 0o077 == 0 for p in sealed)
    assert spool.stats.appends == 20 and 11 <= spool.stats.fsyncs <= 20  # concurrent appends share fsyncs


def test_orphan_segments_are_sealed_unless_a_live_writer_holds_them(tmp_path):
    folder = tmp_path / "sentry"
    (folder / SPOOL_DIR).mkdir(parents=True)
    orphan = folder / SPOOL_DIR / "live-a.part"
    orphan.write_bytes(b"acked bytes\n")
    held = folder / SPOOL_DIR / "live-b.part"
    held.write_bytes(b"still being written\n")
    fd = os.open(held, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        assert [p.name for p in seal_orphans(folder, ".envelope")] == ["live-a.envelope"]
        assert (folder / "live-a.envelope").read_bytes() == b"acked bytes\n" and held.exists()
    finally:
        os.close(fd)
    assert [p.name for p in seal_orphans(folder, ".envelope")] == ["live-b.envelope"]


def test_keys_file_stores_only_hashes_and_cache_sees_changes(tmp_path):
    path = tmp_path / "keys.sqlite"
    made = create_key(path, "shop", rate_limit=5)
    assert made.key.encode() not in path.read_bytes()
    cache = KeyCache(path, check_every_s=0)
    info = cache.lookup(made.key)
    assert info.project == "shop" and info.rate_limit == 5 and not info.revoked
    assert cache.lookup("0" * 32) is None
    assert revoke_key(path, made.key_id) and cache.lookup(made.key).revoked
    assert set_project_disabled(path, "shop", True) and cache.lookup(made.key).disabled
    assert list_keys(path)[0]["revoked_at"] and not revoke_key(path, made.key_id)
    cache.close()
