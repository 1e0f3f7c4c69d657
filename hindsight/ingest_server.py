"""`hindsight serve`: the live ingest server (an ASGI app, run by uvicorn).

Speaks Sentry's ingest protocol (`POST /api/<project>/envelope/`, `/store/`) and OTLP/HTTP
(`POST /v1/logs`, `/v1/traces`, protobuf or JSON; also Sentry's `/api/<project>/integration/otlp/v1/...`).
A 200 means the request's payload is fsync'd in the spool under the landing zone
(`models.sources.spool`); the landing sensor / `hindsight run` ingest it exactly once from there
(ledger, scrubbing, quarantine). The server never opens the warehouse.

Status codes: 400 bad body (not retryable), 401 no/unknown key, 403 revoked key, disabled project or a
key of another project, 413 over a size limit, 429 rate limited (Retry-After, X-Sentry-Rate-Limits),
503 the spool could not write. Access logs are JSON lines on stderr with no payload, no key and no
query string (browser SDKs put the key there): the key's `key_id` stands for it.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections import Counter
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from models.errors import InputError
from models.sources.ingest_keys import KeyCache, KeyInfo
from models.sources.live import (
    BodyError,
    Limits,
    TokenBuckets,
    TooLarge,
    decode_body,
    frame_envelope,
    rate_limit_headers,
    sentry_key_from,
    store_envelope,
)
from models.sources.spool import Spool

OFFLOAD_BYTES = 256 << 10  # bodies larger than this are decompressed/framed in a worker thread
# Browser SDKs post cross-origin (key in the query string): they must be allowed to read the answer.
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "X-Sentry-Rate-Limits, Retry-After"}
CORS_PREFLIGHT = {**CORS, "Access-Control-Allow-Methods": "POST, OPTIONS", "Access-Control-Max-Age": "3600",
                  "Access-Control-Allow-Headers": "Content-Type, Content-Encoding, X-Sentry-Auth, Authorization, "
                  "sentry-trace, baggage"}


@dataclass
class ServeSettings:
    landing_dir: Path
    keys_file: Path
    limits: Limits = field(default_factory=Limits)
    rate_limit: float = 1000.0  # requests per second per key (0 = unlimited); a key may override it
    segment_bytes: int = 64 << 20
    segment_age_s: float = 2.0
    access_log: bool = True


class _Reject(InputError):
    """A request refused with an HTTP status (bad body, bad key, rate limit): sent back, never raised further."""

    def __init__(self, status: int, detail: str, headers: dict | None = None):
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


def _access_logger() -> logging.Logger:
    log = logging.getLogger("hindsight.serve.access")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


class IngestServer:
    """State of one server process: spools, keys, rate limits, counters."""

    def __init__(self, settings: ServeSettings):
        self.settings = settings
        self.counts: Counter = Counter()
        self.items: Counter = Counter()
        self.client_drops: Counter = Counter()
        self.started = time.time()
        self.spools: dict[str, Spool] = {}
        self.keys: KeyCache | None = None
        self.buckets = TokenBuckets(settings.rate_limit)
        self.log = _access_logger() if settings.access_log else None

    def open(self) -> None:
        s = self.settings
        self.keys = KeyCache(s.keys_file)
        for source, suffix in (("sentry", ".envelope"), ("logs", ".jsonl")):
            self.spools[source] = Spool(Path(s.landing_dir) / source, suffix=suffix, max_bytes=s.segment_bytes,
                                        max_age_s=s.segment_age_s)

    def close(self) -> None:
        for spool in self.spools.values():
            spool.close()
        if self.keys is not None:
            self.keys.close()

    # -- request steps -------------------------------------------------------------------------
    def authenticate(self, request: Request, project_id: int | None) -> KeyInfo:
        headers = {k.lower(): v for k, v in request.headers.items() if k.lower() in ("x-sentry-auth", "authorization")}
        key = sentry_key_from(headers, dict(request.query_params))
        if not key:
            raise _Reject(401, "missing authentication: X-Sentry-Auth header or sentry_key parameter")
        info = self.keys.lookup(key)
        if info is None:
            raise _Reject(401, "unknown key")
        if info.revoked:
            raise _Reject(403, "revoked key")
        if info.disabled:
            raise _Reject(403, "project disabled")
        if project_id is not None and info.project_id != project_id:
            raise _Reject(403, "the key does not belong to this project")
        wait = self.buckets.take(info.key_id, info.rate_limit)
        if wait > 0:
            raise _Reject(429, "rate limited", rate_limit_headers(wait))
        return info

    async def read_body(self, request: Request, compressed_limit: int, limit: int) -> bytes:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > compressed_limit:
            raise _Reject(413, f"body of {length} bytes > {compressed_limit}")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > compressed_limit:
                raise _Reject(413, f"body > {compressed_limit} bytes")
            chunks.append(chunk)
        raw = b"".join(chunks)
        encoding = request.headers.get("content-encoding")
        try:
            if len(raw) > OFFLOAD_BYTES:
                return await run_in_threadpool(decode_body, raw, encoding, limit)
            return decode_body(raw, encoding, limit)
        except TooLarge as exc:
            raise _Reject(413, str(exc)) from exc
        except BodyError as exc:
            raise _Reject(400, str(exc)) from exc

    async def spool(self, source: str, data: bytes) -> None:
        try:
            await self.spools[source].append(data)
        except OSError as exc:
            raise _Reject(503, f"the spool could not write: {exc.strerror or exc}") from exc

    def access(self, request: Request, status: int, started: float, info: KeyInfo | None, **extra) -> None:
        self.counts[status] += 1
        if self.log is not None:
            self.log.info(json.dumps({
                "ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "method": request.method,
                "path": request.url.path, "status": status, "ms": round((time.perf_counter() - started) * 1e3, 2),
                "bytes": int(request.headers.get("content-length") or 0),
                "project_id": info.project_id if info else None, "key_id": info.key_id if info else None,
                "client": request.client.host if request.client else None, **extra,
            }, separators=(",", ":")))

    # -- endpoints ---------------------------------------------------------------------------------
    async def sentry(self, request: Request) -> Response:
        started, info = time.perf_counter(), None
        store = request.url.path.rstrip("/").endswith("/store")
        limits = self.settings.limits
        try:
            info = self.authenticate(request, int(request.path_params["project_id"]))
            if store:
                body = await self.read_body(request, limits.max_store, limits.max_store)
            else:
                body = await self.read_body(request, limits.max_body, limits.max_envelope)
            try:
                if len(body) > OFFLOAD_BYTES:
                    framed = await run_in_threadpool(store_envelope if store else frame_envelope, body, limits)
                else:
                    framed = (store_envelope if store else frame_envelope)(body, limits)
            except TooLarge as exc:
                raise _Reject(413, str(exc)) from exc
            except BodyError as exc:
                self.counts["invalid_body"] += 1
                raise _Reject(400, str(exc)) from exc
            await self.spool("sentry", framed.data)
        except _Reject as rej:
            self.access(request, rej.status, started, info, detail=rej.detail)
            return JSONResponse({"detail": rej.detail}, rej.status, headers={**CORS, **rej.headers})
        self.items.update(framed.items)
        self.items["broken"] += framed.broken
        self.client_drops.update(framed.client_drops)
        self.access(request, 200, started, info, items=dict(framed.items), broken=framed.broken)
        return JSONResponse({"id": framed.event_id}, headers=CORS)

    async def preflight(self, request: Request) -> Response:
        return Response(status_code=200, headers=CORS_PREFLIGHT)

    async def otlp(self, request: Request) -> Response:
        from models.sources import otlp

        started, info = time.perf_counter(), None
        kind = "logs" if request.url.path.rstrip("/").endswith("/logs") else "traces"
        content_type = request.headers.get("content-type", "application/x-protobuf")
        as_json = "json" in content_type.lower()
        try:
            project = request.path_params.get("project_id")
            info = self.authenticate(request, int(project) if project is not None else None)
            limit = self.settings.limits.max_otlp
            body = await self.read_body(request, limit, limit)
            received = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            try:
                message = otlp.parse_request(body, content_type, kind)
                lines = (otlp.log_lines if kind == "logs" else otlp.trace_lines)(message, received)
            except otlp.OtlpError as exc:
                self.counts["invalid_body"] += 1
                raise _Reject(400, str(exc)) from exc
            if lines.data:
                await self.spool("logs", lines.data)
        except _Reject as rej:
            self.access(request, rej.status, started, info, detail=rej.detail)
            return JSONResponse({"detail": rej.detail}, rej.status, headers=rej.headers)
        self.items.update({f"otlp_{k}": v for k, v in lines.counts.items()})
        self.access(request, 200, started, info, items=dict(lines.counts))
        return Response(otlp.response_body(kind, as_json),
                        media_type="application/json" if as_json else "application/x-protobuf")

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({
            "status": "ok",
            "uptime_s": round(time.time() - self.started, 1),
            "responses": {str(k): v for k, v in self.counts.items()},
            "items": dict(self.items),
            "client_reported_drops": dict(self.client_drops),
            "spool": {s: sp.stats.summary() for s, sp in self.spools.items()},
        })


def create_app(settings: ServeSettings) -> Starlette:
    server = IngestServer(settings)

    @asynccontextmanager
    async def lifespan(app):
        server.open()
        try:
            yield
        finally:
            server.close()

    routes = [
        Route("/api/{project_id:int}/envelope/", server.sentry, methods=["POST"]),
        Route("/api/{project_id:int}/{endpoint:str}/", server.preflight, methods=["OPTIONS"]),
        Route("/api/{project_id:int}/envelope", server.sentry, methods=["POST"]),
        Route("/api/{project_id:int}/store/", server.sentry, methods=["POST"]),
        Route("/api/{project_id:int}/store", server.sentry, methods=["POST"]),
        Route("/v1/logs", server.otlp, methods=["POST"]),
        Route("/v1/traces", server.otlp, methods=["POST"]),
        Route("/api/{project_id:int}/integration/otlp/v1/logs", server.otlp, methods=["POST"]),
        Route("/api/{project_id:int}/integration/otlp/v1/traces", server.otlp, methods=["POST"]),
        Route("/healthz", server.healthz, methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.server = server
    return app
