"""Local stand-ins for the services "shop" talks to (catalog, carrier, payment provider).

They run on 127.0.0.1 in threads and misbehave the way the real ones did in production:
the catalog answers retired SKUs with an error body (still HTTP 200), the carrier drops the
connection without an answer for some postcodes (what the client sees when the load balancer's idle
timeout ends a hung request), and the payment provider answers 503 to bursts while degraded and 402
to declined cards.

Determinism: "bursts" are measured on a `VirtualClock` that only moves when urllib3's retry backoff
sleeps (the harness routes that sleep to the clock), so the outcome never depends on machine load.
"""

from __future__ import annotations

import json
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qs, urlparse

RETIRED_SKUS = ("kettle-099", "tray-098", "cup-097")
PRICES = {"tea-001": 4.5, "mug-002": 12.0, "pot-003": 29.9, "cozy-004": 8.25, "set-005": 54.0,
          "kettle-099": 39.0, "tray-098": 15.5, "cup-097": 6.0}
BURST_WINDOW_S = 0.3


class VirtualClock:
    """Seconds advanced only by `sleep` (used in place of urllib3's `time.sleep` during a run)."""

    def __init__(self) -> None:
        self.t = 0.0

    def sleep(self, seconds: float) -> None:
        self.t += max(0.0, float(seconds))

    def time(self) -> float:
        return self.t

    def monotonic(self) -> float:
        return self.t


CLOCK = VirtualClock()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    role = ""

    def log_message(self, *args) -> None:  # keep stderr quiet
        return None

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if self.role == "catalog" and url.path.startswith("/prices/"):
            sku = url.path.rsplit("/", 1)[1]
            if sku in RETIRED_SKUS:
                return self._send(200, {"sku": sku, "error": "price unavailable", "code": "SKU_RETIRED"})
            return self._send(200, {"sku": sku, "price": PRICES.get(sku, 9.99), "currency": "EUR"})
        if self.role == "carrier" and url.path == "/quotes":
            postcode = parse_qs(url.query).get("postcode", [""])[0]
            if postcode.startswith("9"):
                self.close_connection = True  # no response at all: the client sees RemoteDisconnected
                return None
            return self._send(200, {"carrier": "dhl", "price_cents": 450 + zlib.crc32(postcode.encode()) % 300,
                                    "days": 2})
        return self._send(404, {"error": "not found"})

    def do_PUT(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        key = urlparse(self.path).path.rsplit("/", 1)[1]
        source = str(body.get("source", ""))
        if source.startswith("tok_declined"):
            return self._send(402, {"reason": "insufficient_funds"})
        if source.startswith("tok_overload"):
            now = CLOCK.t
            with self.server.lock:
                last = self.server.last_seen.get(key)
                self.server.last_seen[key] = now
            if last is None or now - last < BURST_WINDOW_S:
                return self._send(503, {"error": "provider overloaded"})
        return self._send(200, {"charge_id": f"ch_{zlib.crc32(key.encode()):08x}", "status": "succeeded"})


class StubServices:
    """Three servers (catalog, carrier, payments); use as a context manager."""

    def __init__(self) -> None:
        self.servers: dict[str, ThreadingHTTPServer] = {}
        self.threads: list[threading.Thread] = []

    def __enter__(self) -> Self:
        for role in ("catalog", "carrier", "payments"):
            handler = type(f"{role}Handler", (_Handler,), {"role": role})
            srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            srv.daemon_threads = True
            srv.handle_error = lambda request, address: None  # clients that gave up (timeouts) are expected
            srv.lock = threading.Lock()
            srv.last_seen = {}
            t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
            t.start()
            self.servers[role] = srv
            self.threads.append(t)
        return self

    def url(self, role: str) -> str:
        return f"http://127.0.0.1:{self.servers[role].server_address[1]}"

    def port(self, role: str) -> int:
        return self.servers[role].server_address[1]

    def __exit__(self, *exc) -> None:
        for srv in self.servers.values():
            srv.shutdown()
            srv.server_close()
