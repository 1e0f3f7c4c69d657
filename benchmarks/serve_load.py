"""Load for the live-ingest benchmark: real sentry-sdk envelopes, replayed over keep-alive HTTP/1.1.

`capture_envelopes(n)` runs the real sentry-sdk with a capturing transport (real events: chained
exceptions, frames with locals, breadcrumbs, tags), so both servers get exactly what an app sends.
`run_load(...)` (meant for its own process: `python -m benchmarks.serve_load ...`) replays them with a
fresh event id per request, gzip'd like the SDK, over `connections` raw asyncio connections, either
closed-loop (as fast as the server answers) or paced at a fixed total rate; it records each request's
status and latency (from its scheduled start when paced, so a slow answer is not hidden by waiting),
and the event ids that got a 200.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
import zlib
from pathlib import Path


def capture_envelopes(n: int) -> list[bytes]:
    """n serialized envelopes from the real sentry-sdk (in-process, no network)."""
    import sentry_sdk
    from sentry_sdk.transport import Transport

    out: list[bytes] = []

    class Capture(Transport):
        def capture_envelope(self, envelope):
            out.append(envelope.serialize())

    sentry_sdk.init(dsn="http://public@127.0.0.1:9/1", transport=Capture(), default_integrations=False,
                    release="shop@1.4.2", environment="production", send_default_pii=False)
    for i in range(n):
        _capture_one(i)
    sentry_sdk.flush()
    sentry_sdk.get_client().close()
    return out


def _capture_one(i: int) -> None:
    """Caught here, so the event's frames start in this small frame (not in one whose locals hold the
    envelopes captured so far)."""
    import sentry_sdk

    services = ["checkout", "catalog", "payments", "search"]
    sentry_sdk.set_tag("service", services[i % len(services)])
    sentry_sdk.add_breadcrumb(category="http", message=f"GET /api/items/{i}", level="info")
    try:
        _work(i)
    except Exception:  # noqa: BLE001 - the point is to capture it
        sentry_sdk.capture_exception()


def _parse_price(item: dict, i: int) -> float:
    price = item["price"] if i % 3 else item.get("cost")
    return float(price) * (1 + i % 7)


def _work(i: int) -> None:
    order = {"id": i, "items": [{"price": "12.5"}, {"cost": None}], "user_token": "tok_live_" + "x" * 24}
    try:
        total = sum(_parse_price(item, i) for item in order["items"])
        if i % 5 == 0:
            raise TimeoutError(f"upstream timed out after {30 + i % 10}s")
    except (KeyError, TypeError) as exc:
        raise RuntimeError(f"order {order['id']} could not be priced") from exc
    raise ValueError(f"total {total} out of range")


def _event_id(envelope: bytes) -> str:
    return json.loads(envelope.split(b"\n", 1)[0])["event_id"]


def build_request(host: str, port: int, project: int, key: str, body: bytes) -> bytes:
    head = (
        f"POST /api/{project}/envelope/ HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"X-Sentry-Auth: Sentry sentry_key={key}, sentry_version=7, sentry_client=sentry.python/bench\r\n"
        f"Content-Type: application/x-sentry-envelope\r\nContent-Encoding: gzip\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, the server closes the connection after this response)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    chunked = close = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"connection" and b"close" in value.lower():
            close = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, close


async def _load(templates: list[bytes], host: str, port: int, project: int, key: str, connections: int,
                seconds: float, rate: float | None, record_ids: bool):
    results = {"status": {}, "latencies_ms": [], "acked_ids": [], "errors": 0}
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**12))
    started_at = time.perf_counter()

    async def worker(w: int):
        reader = writer = None
        interval = connections / rate if rate else 0.0
        next_at = started_at + w * interval / connections if rate else 0.0
        while True:
            now = time.perf_counter()
            if now >= deadline:
                break
            if rate:
                if next_at > now:
                    await asyncio.sleep(next_at - now)
                scheduled = next_at
                next_at += interval
            else:
                scheduled = time.perf_counter()
            i = next(counter)
            template = templates[i % len(templates)]
            new_id = uuid.uuid4().hex
            body = zlib.compress(template.replace(_event_id(template).encode(), new_id.encode()), 1, wbits=31)
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                writer.write(build_request(host, port, project, key, body))
                status, close = await _read_response(reader)
                if close:  # e.g. gunicorn's sync workers: one request per connection
                    writer.close()
                    reader = writer = None
            except (OSError, asyncio.IncompleteReadError, ValueError):
                results["errors"] += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
                await asyncio.sleep(0.01)
                continue
            results["status"][status] = results["status"].get(status, 0) + 1
            results["latencies_ms"].append((time.perf_counter() - scheduled) * 1e3)
            if status == 200 and record_ids:
                results["acked_ids"].append(new_id)
        if writer is not None:
            writer.close()

    await asyncio.gather(*(worker(w) for w in range(connections)))
    results["seconds"] = time.perf_counter() - started_at
    return results


def run_load(templates, host, port, project, key, connections, seconds, rate=None, record_ids=False) -> dict:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    return asyncio.run(_load(templates, host, port, project, key, connections, seconds, rate, record_ids))


def main(argv: list[str]) -> int:
    """python -m benchmarks.serve_load TEMPLATES.json HOST PORT PROJECT KEY CONNECTIONS SECONDS RATE|- OUT.json"""
    templates_file, host, port, project, key, connections, seconds, rate, out = argv
    templates = [bytes.fromhex(t) for t in json.loads(Path(templates_file).read_text())]
    res = run_load(templates, host, int(port), int(project), key, int(connections), float(seconds),
                   None if rate == "-" else float(rate), record_ids=True)
    Path(out).write_text(json.dumps(res))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main(sys.argv[1:]))
