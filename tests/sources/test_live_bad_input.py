"""Bad input against a real `hindsight serve`: each gets the right status and a quarantine or a count;
the good items of a mixed envelope are kept. Also: encodings, rate limits, key states, client reports."""

from __future__ import annotations

import gzip
import json
import socket
import time
import uuid
import zlib

import brotli
import duckdb
import pytest
from live_world import auth, post


def _event(message: str | None = None, exc: str | None = None) -> tuple[str, bytes]:
    event_id = uuid.uuid4().hex
    body: dict = {"event_id": event_id, "timestamp": time.time(), "platform": "python", "level": "error"}
    if message:
        body["message"] = message
    if exc:
        body["exception"] = {"values": [{"type": exc, "value": "bad", "stacktrace": {"frames": [
            {"filename": "app.py", "function": "main", "lineno": 3, "in_app": True}]}}]}
    return event_id, json.dumps(body).encode()


def _items(*items: tuple[str, bytes]) -> bytes:
    out = []
    for kind, payload in items:
        out.append(json.dumps({"type": kind, "length": len(payload)}).encode())
        out.append(payload)
    return b"\n".join(out) + b"\n"


def _envelope(*items: tuple[str, bytes]) -> bytes:
    return json.dumps({"event_id": uuid.uuid4().hex}).encode() + b"\n" + _items(*items)


def _status_before_body(port: int, path: str, key: str, length: int) -> int:
    """Send only the headers of a body of `length` bytes: a 413 comes back before any byte of it."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nX-Sentry-Auth: Sentry sentry_key={key}\r\n"
            f"Content-Length: {length}\r\n\r\n".encode()
        )
        return int(sock.recv(4096)[9:12])


@pytest.mark.slow
def test_bad_input_statuses_counts_and_quarantine(live):
    _, key, project = live.create_key("shop")
    _, other_key, other_project = live.create_key("billing")
    _, revoked_key, _ = live.create_key("shop")
    key_id = [r for r in json.loads(live.cli("keys", "list", "--json").stdout)][-1]["key_id"]
    live.cli("keys", "revoke", key_id)
    _, off_key, off_project = live.create_key("legacy")
    live.cli("keys", "disable", "--project", "legacy")
    live.start()
    url = f"{live.url}/api/{project}/envelope/"
    good_id, good = _event(exc="ValueError")
    env = _envelope(("event", good))

    assert post(url, env, {"X-Sentry-Auth": "Sentry sentry_key=" + "0" * 32})[0] == 401  # unknown key
    assert post(url, env)[0] == 401  # no key at all
    assert post(url, env, auth(revoked_key))[0] == 403
    assert post(url, env, auth(other_key))[0] == 403  # a key of another project
    assert post(f"{live.url}/api/{off_project}/envelope/", env, auth(off_key))[0] == 403  # disabled project
    status, _, body = post(f"{live.url}/api/{other_project}/envelope/?sentry_key={other_key}", _envelope(("event", good)))
    assert status == 200 and json.loads(body)["id"]  # key in the query string (browser SDKs)

    gz = gzip.compress(env)
    assert post(url, gz[: len(gz) // 2], {**auth(key), "Content-Encoding": "gzip"})[0] == 400  # truncated gzip
    assert _status_before_body(live.port, f"/api/{project}/envelope/", key, 21 << 20) == 413  # > 20 MiB body
    bomb = gzip.compress(b"\n" * (101 << 20))
    assert post(url, bomb, {**auth(key), "Content-Encoding": "gzip"})[0] == 413  # over 100 MiB decompressed
    big_id, big = _event(message="x" * (1 << 20))
    assert post(url, _envelope(("event", big)), auth(key))[0] == 413  # one event over 1 MiB
    assert post(url, b"not json\n", auth(key))[0] == 400  # envelope header is not JSON
    store = f"{live.url}/api/{project}/store/"
    assert post(store, b'{"message": "half', auth(key))[0] == 400  # invalid JSON

    # accepted encodings: gzip, deflate, br, and the legacy store endpoint
    ids = [good_id]
    assert post(url, gz, {**auth(key), "Content-Encoding": "gzip"})[0] == 200
    for encode, name in ((zlib.compress, "deflate"), (brotli.compress, "br")):
        event_id, payload = _event(exc="KeyError")
        ids.append(event_id)
        assert post(url, encode(_envelope(("event", payload))), {**auth(key), "Content-Encoding": name})[0] == 200
    store_id, payload = _event(message="stored the old way")
    ids.append(store_id)
    status, _, body = post(store, payload, auth(key))
    assert status == 200 and json.loads(body)["id"] == store_id

    # a mixed envelope: good events around a broken item header, an invalid JSON event, a transaction,
    # a client report and an unknown kind; then an item cut short at the end
    first_id, first = _event(exc="TypeError")
    last_id, last = _event(message="after the broken items")
    ids += [first_id, last_id]
    report = json.dumps({"discarded_events": [{"reason": "queue_overflow", "category": "error", "quantity": 7}]}).encode()
    mixed = (
        _envelope(("event", first), ("transaction", b'{"type": "transaction"}'))
        + b"{not a header\n"
        + _items(("event", b'{"event_id": "' + uuid.uuid4().hex.encode() + b'", "message": "cut'),
                    ("client_report", report), ("profile_chunk", b"{}"), ("event", last))
        + b'{"type": "event", "length": 5000}\n{"message": "short"}\n'
    )
    status, _, _ = post(url, mixed, auth(key))
    assert status == 200

    health = live.health()
    assert health["client_reported_drops"] == {"queue_overflow:error": 7}
    assert health["items"]["transaction"] == 1 and health["items"]["profile_chunk"] == 1
    assert health["responses"]["401"] == 2 and health["responses"]["403"] == 3 and health["responses"]["413"] == 3
    assert health["responses"]["400"] == 3
    live.stop()
    assert key not in live.logs() and other_key not in live.logs()  # access logs name the key_id, not the key

    live.cli("run", "--select", "group:sources")
    con = duckdb.connect(str(live.warehouse), read_only=True)
    try:
        loaded = {r[0] for r in con.execute("SELECT event_id FROM core.events").fetchall()}
        assert set(ids) <= loaded and big_id not in loaded
        reasons = sorted(r[0] for r in con.execute("SELECT reason FROM core.quarantine").fetchall())
        assert reasons == ["bad_envelope", "bad_envelope", "malformed_json"]
        files = con.execute(
            "SELECT sum(records_read), sum(records_loaded), sum(records_duplicate), sum(records_ignored), "
            "sum(records_quarantined) FROM core.ingest_files WHERE source = 'sentry'"
        ).fetchone()
        read, loaded_n, dup, ignored, quarantined = files
        assert read == loaded_n + dup + ignored + quarantined and quarantined == 3
        detail = {}
        for (d,) in con.execute("SELECT ignored_detail FROM core.ingest_files").fetchall():
            for k, v in json.loads(d or "{}").items():
                detail[k] = detail.get(k, 0) + v
        assert detail == {"transaction": 1, "client_report": 1, "profile_chunk": 1}
    finally:
        con.close()


@pytest.mark.slow
def test_rate_limit_answers_429_with_retry_after(live):
    _, key, project = live.create_key("noisy", "--rate-limit", "2")
    live.start()
    url = f"{live.url}/api/{project}/envelope/"
    statuses, limited = [], None
    for _ in range(10):
        status, headers, _ = post(url, _envelope(("event", _event(message="again")[1])), auth(key))
        statuses.append(status)
        if status == 429:
            limited = headers
    assert statuses[:2] == [200, 200] and 429 in statuses
    retry = int(limited["Retry-After"])
    assert retry >= 1 and limited["X-Sentry-Rate-Limits"] == f"{retry}::key"
