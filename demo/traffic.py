"""Real traffic against each release of "shop", captured by a real sentry-sdk client.

For every release the tree at its tag is materialized (`git archive`), imported, and driven by a
small "framework" (this module: an API dispatcher and a worker supervisor) through a simulated
production period. Failures are real exceptions raised by the release's code; sentry-sdk builds the
events (stack frames, context lines read from the materialized files) and `BufferedFileTransport`
writes the envelopes to the landing folder. `before_send` only rewrites what
a deployment would differ in (paths, host names, times, ids) so output is reproducible per seed.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

import sentry_sdk
from sentry_sdk.integrations.logging import LoggingIntegration
from sentry_sdk.transport import Transport

from demo import secrets as planted
from demo import stubs as stub_mod
from demo.bugs import BUGS
from demo.risk_history import ROUTE_RATE
from demo.scenarios import FeatureApiScenarios, WorkerScenarios
from demo.stubs import StubServices

DSN = "https://4f1c2b3a5d6e4f708192a3b4c5d6e7f8@o4508123.ingest.sentry.io/4508123456"
API_ROOT = "/app/src"
WORKER_ROOT = "/usr/local/lib/python3.11/site-packages"
HARNESS_ROOT = "/usr/local/lib/python3.11/site-packages/shop_runtime"
HOSTS = {"catalog": "catalog.internal", "carrier": "carrier.internal", "payments": "payments.internal"}
SERVER = {"shop-api": "shop-api-7d9f8b6c4-x2k9q", "shop-worker": "shop-worker-5c8d7f9b2-m4p7t"}
ARGV = {"shop-api": ["/usr/local/bin/gunicorn", "shop.app:app", "--workers", "4"],
        "shop-worker": ["/usr/local/bin/python", "-m", "shop.worker.runner"]}

# daily rates of operations (per service); bugs fire when the release's code has them
API_RATES = {"place_order": 30, "search": 8, "shipping_quote": 8, "refund": 5}
WORKER_RATES = {"payment_webhook": 12, "export_orders": 8, "spool_batch": 4, "send_receipt": 6,
                "monthly_report": 3}


@dataclass
class Release:
    version: str
    tag: str
    start: datetime  # deployed at
    end: datetime  # next deploy (or end of period)
    share: float = 1.0  # of the base traffic rates (`--risk-history` releases run lighter)


@dataclass
class Period:
    start: datetime
    end: datetime
    degraded: tuple[datetime, datetime]  # payment provider degraded (503 to bursts)
    spike: tuple[datetime, datetime]  # retry storm window


@dataclass
class Ctx:
    """The request/job being served; read by `before_send` and the log capture."""

    now: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    service: str = ""
    release: str = ""
    trace_id: str | None = None  # None outside a request/job (e.g. start-up lines)
    span_id: str | None = None
    route: str = ""
    tick: int = 0
    request: dict | None = None
    extra: dict = field(default_factory=dict)
    user: dict | None = None


@dataclass
class Captured:
    events: list[dict] = field(default_factory=list)  # {event_id, bug_id, service, release, ts, file, type, value}
    logs: list[dict] = field(default_factory=list)  # structured log records
    envelope_files: list[Path] = field(default_factory=list)
    windows: dict = field(default_factory=dict)  # release -> (deployed_at, replaced_at)


class BufferedFileTransport(Transport):
    """A sentry-sdk transport that appends each envelope to one file, buffered in memory until `drain()`.

    The file is what the sources stage reads (one serialized envelope after another, as the CLI's
    `FileTransport` writes them). Buffering keeps capture working while the worker has exhausted its
    file descriptors (the resource-leak bug), and lets `sent_at` carry the simulated send time.
    """

    def __init__(self, path: Path):
        super().__init__()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.pending: list = []
        self.sent_at = ""

    def capture_envelope(self, envelope) -> None:
        envelope.headers["sent_at"] = self.sent_at
        self.pending.append(envelope)

    def drain(self) -> None:
        if not self.pending:  # no event: no file, as with a transport that was never called
            return
        with self.path.open("ab") as fh:
            for envelope in self.pending:
                data = envelope.serialize()
                fh.write(data if data.endswith(b"\n") else data + b"\n")
        self.pending.clear()

    def flush(self, timeout, callback=None) -> None:
        return None

    def kill(self) -> None:
        return None


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def materialize(repo: Path, tag: str, dest: Path) -> Path:
    """Extract the tree at `tag` into `dest` (like a deploy would ship it)."""
    data = subprocess.run(["git", "archive", "--format=tar", tag], cwd=repo, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    return dest


class World:
    """Runs all releases; one instance per generation."""

    def __init__(self, repo: Path, landing: Path, seed: int, releases: list[Release], period: Period):
        self.repo, self.landing, self.seed, self.releases, self.period = repo, landing, seed, releases, period
        self.ctx = Ctx()
        self.captured = Captured()
        self.n_events = 0
        self.n_ids = 0
        self.tmp = Path(tempfile.mkdtemp(prefix="hindsight-demo-"))
        self.data_dir = self.tmp / "data"
        self.data_dir.mkdir()
        self.replacements: list[tuple[str, str]] = []
        self.payloads: list[dict] = []
        self.next_batch = 1
        self.next_key = 1
        self.ext_sites: dict[tuple[str, str], tuple[str, str, str]] = {}  # `--risk-history`, see set_ext_sites
        self.route_keys: dict[str, list[str]] = {}

    def set_ext_sites(self, sites: dict[tuple[str, str], tuple[str, str, str]]) -> None:
        """(repo path, function) -> (bug id, construct, crash line) of the functions `--risk-history` planted."""
        self.ext_sites = dict(sites)

    def _ext_label(self, frame: dict | None) -> str:
        if not frame or not self.ext_sites:
            return ""
        site = self.ext_sites.get((_deployed_to_repo(frame.get("abs_path") or ""), frame.get("function")))
        line = (frame.get("context_line") or "").strip()
        return site[0] if site and (site[1] in line or line == site[2]) else ""

    # ----- ids and normalisation -------------------------------------------------------------
    def _hex(self, n: int = 32) -> str:
        self.n_ids += 1
        return hashlib.md5(f"{self.seed}|{self.n_ids}".encode()).hexdigest()[:n]

    def _norm_str(self, s: str) -> str:
        for old, new in self.replacements:
            if old in s:
                s = s.replace(old, new)
        return _ADDR.sub("0x7f3c2a1b9e40", s) if "0x" in s else s

    def _norm(self, obj):
        if isinstance(obj, str):
            return self._norm_str(obj)
        if isinstance(obj, list):
            return [self._norm(x) for x in obj]
        if isinstance(obj, dict):
            return {k: self._norm(v) for k, v in obj.items()}
        return obj

    def _set_replacements(self, tree: Path, service: str, stubs: StubServices) -> None:
        purelib = sysconfig.get_paths()["purelib"]
        stdlib = sysconfig.get_paths()["stdlib"]
        here = str(Path(__file__).resolve().parent)
        # the harness before purelib: installed from a wheel, this package lies inside purelib
        reps = [(str(tree / "src"), API_ROOT if service == "shop-api" else WORKER_ROOT),
                (str(self.data_dir), "/var/lib/shop"), (here, HARNESS_ROOT), (purelib, WORKER_ROOT),
                (stdlib, "/usr/local/lib/python3.11"), (str(self.tmp), "/tmp")]
        for role, host in HOSTS.items():
            port = stubs.port(role)
            reps += [(f"host='127.0.0.1', port={port}", f"host='{host}', port=80"), (f"127.0.0.1:{port}", host)]
        self.replacements = reps

    # ----- sentry hooks ----------------------------------------------------------------------
    def before_send(self, event, hint):
        ctx = self.ctx
        event = self._norm(event)
        self.n_events += 1
        event_id = self._hex()
        event["event_id"] = event_id
        event["timestamp"] = _iso(ctx.now)
        event["server_name"] = SERVER[ctx.service]
        event.pop("modules", None)
        event.setdefault("tags", {}).update({"service": ctx.service, "route": ctx.route})
        event["transaction"] = ctx.route
        extra = event.setdefault("extra", {})
        extra["sys.argv"] = ARGV[ctx.service]
        extra.update(ctx.extra)
        if ctx.request:
            event["request"] = ctx.request
        if ctx.user:
            event["user"] = ctx.user
        crumbs = event.get("breadcrumbs", {}).get("values", [])
        for i, crumb in enumerate(crumbs):
            crumb["timestamp"] = _iso(ctx.now - timedelta(milliseconds=3 * (len(crumbs) - i)))
        op = "http.server" if ctx.service == "shop-api" else "queue.process"
        event.setdefault("contexts", {})["trace"] = {
            "trace_id": ctx.trace_id, "span_id": ctx.span_id, "parent_span_id": None, "op": op,
            "status": "internal_error",
            "dynamic_sampling_context": {"trace_id": ctx.trace_id, "environment": "production",
                                         "release": ctx.release, "public_key": DSN.split("//")[1].split("@")[0],
                                         "sample_rate": "1.0", "sampled": "true",
                                         "sample_rand": f"0.{int(ctx.trace_id[:6], 16) % 1000000:06d}"},
        }
        frames_app = []
        for exc in event.get("exception", {}).get("values", []):
            for frame in exc.get("stacktrace", {}).get("frames", []):
                if frame.get("in_app") is not True:
                    frame["in_app"] = False
                mod = frame.get("module") or ""
                if mod.startswith("demo."):  # the harness (this package) plays the deployed framework
                    frame["module"] = "shop_runtime" + mod[len("demo"):]
                    frame["filename"] = "shop_runtime/" + (frame.get("filename") or "").rsplit("/", 1)[-1]
                if frame["in_app"]:
                    frames_app.append(frame)
        main = (event.get("exception", {}).get("values") or [{}])[-1]
        self.transport.sent_at = _iso(ctx.now + timedelta(milliseconds=40))
        self.captured.events.append({
            "event_id": event_id,
            "bug_id": self._ext_label(frames_app[-1] if frames_app else None)
            or _label(frames_app[-1] if frames_app else None, ctx.service),
            "service": ctx.service, "release": ctx.release, "ts": ctx.now, "file": self.transport.path.name,
            "type": main.get("type"), "value": main.get("value"), "trace_id": ctx.trace_id,
            "crash_path": _deployed_to_repo(frames_app[-1].get("abs_path") or "") if frames_app else None,
            "crash_lineno": frames_app[-1].get("lineno") if frames_app else None,
            "crash_line": frames_app[-1].get("context_line") if frames_app else None,
        })
        return event

    # ----- log capture -----------------------------------------------------------------------
    def _record(self, record: logging.LogRecord) -> None:
        ctx = self.ctx
        ctx.tick += 1
        exc_text = None
        if record.exc_info and record.exc_info[0] is not None:
            exc_text = self._norm_str("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        fields = {k: v for k, v in record.__dict__.items() if k not in _STD_ATTRS}
        self.captured.logs.append({
            "timestamp": ctx.now + timedelta(milliseconds=2 * ctx.tick), "level": record.levelname,
            "logger": record.name, "message": self._norm_str(record.getMessage()), "exception": exc_text,
            "trace_id": ctx.trace_id, "span_id": ctx.span_id, "service": ctx.service, "release": ctx.release,
            "route": ctx.route, **self._norm(fields),
        })

    # ----- running ---------------------------------------------------------------------------
    def run(self) -> Captured:
        handler = _ListHandler(self._record)
        shop_logger = logging.getLogger("shop")
        saved = (shop_logger.level, shop_logger.propagate, sentry_sdk.get_client())
        shop_logger.setLevel(logging.INFO)
        shop_logger.propagate = False
        shop_logger.addHandler(handler)
        saved_env = {k: os.environ.get(k) for k in _ENV_KEYS}
        self.captured.windows = {f"shop@{r.version}": (r.start, r.end) for r in self.releases}
        import urllib3.util.retry as urllib3_retry

        saved_time = urllib3_retry.time
        urllib3_retry.time = stub_mod.CLOCK  # retry backoff sleeps move the virtual clock, not the wall clock
        try:
            with StubServices() as stubs:
                self.stubs = stubs
                for rel in self.releases:
                    tree = materialize(self.repo, rel.tag, self.tmp / f"tree-{rel.version}")
                    for service in ("shop-api", "shop-worker"):
                        self._run_service(rel, tree, service)
        finally:
            urllib3_retry.time = saved_time
            shop_logger.removeHandler(handler)
            shop_logger.setLevel(saved[0])
            shop_logger.propagate = saved[1]
            sentry_sdk.get_global_scope().set_client(saved[2])
            for k, v in saved_env.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            _purge_shop_modules()
            sys.path[:] = [p for p in sys.path if not p.startswith(str(self.tmp))]
            shutil.rmtree(self.tmp, ignore_errors=True)
        return self.captured

    def _run_service(self, rel: Release, tree: Path, service: str) -> None:
        self._set_replacements(tree, service, self.stubs)
        os.environ.update({
            "SHOP_DATA_DIR": str(self.data_dir), "SHOP_DB_PATH": str(self.data_dir / "shop.db"),
            "SHOP_CATALOG_URL": self.stubs.url("catalog"), "SHOP_CARRIER_URL": self.stubs.url("carrier"),
            "SHOP_PAYMENTS_URL": self.stubs.url("payments"), "SHOP_HTTP_TIMEOUT": "5",
            "SHOP_PAYMENTS_API_KEY": planted.PAYMENTS_JWT,
        })
        _purge_shop_modules()
        sys.path[:] = [p for p in sys.path if not p.startswith(str(self.tmp))]
        sys.path.insert(0, str(tree / "src"))
        path = self.landing / "sentry" / f"{service}-{rel.version}.envelope"
        self.transport = BufferedFileTransport(path)
        sentry_sdk.init(
            dsn=DSN, release=f"shop@{rel.version}", environment="production", server_name=SERVER[service],
            transport=self.transport, default_integrations=False,
            integrations=[LoggingIntegration(level=logging.INFO, event_level=logging.ERROR)],
            include_local_variables=False, in_app_include=["shop"], project_root=str(tree),
            before_send=self.before_send, send_client_reports=False, auto_session_tracking=False,
            max_breadcrumbs=30, sample_rate=1.0,
        )
        self.ctx = Ctx(now=rel.start, service=service, release=f"shop@{rel.version}")
        rng = Random(f"{self.seed}|{service}|{rel.version}")
        plan = self._plan(rel, service, rng)
        scenarios = FeatureApiScenarios if service == "shop-api" else WorkerScenarios
        scen = scenarios(self, rng)
        routes = getattr(scen, "routes", None)
        if routes:  # `--risk-history` releases: the feature endpoints get traffic too
            plan = sorted(plan + self._route_plan(rel, routes), key=lambda x: x[0])
        for ts, op in plan:
            self.ctx = Ctx(now=ts, service=service, release=f"shop@{rel.version}", trace_id=self._hex(),
                           span_id=self._hex(16))
            scen.dispatch(op, ts)
        scen.close()
        sentry_sdk.flush()
        self.transport.drain()
        if path.exists() and path not in self.captured.envelope_files:
            self.captured.envelope_files.append(path)

    def _plan(self, rel: Release, service: str, rng: Random) -> list[tuple[datetime, str]]:
        rates = API_RATES if service == "shop-api" else WORKER_RATES
        days = (rel.end - rel.start).total_seconds() / 86400
        span = (rel.end - rel.start).total_seconds()
        plan = []
        for op, rate in rates.items():
            n = max(1, round(rate * rel.share * days * rng.uniform(0.85, 1.15)))
            plan += [(rel.start + timedelta(seconds=rng.uniform(60, span - 60)), op) for _ in range(n)]
        if service == "shop-api":
            s0, s1 = self.period.spike
            if rel.start <= s0 < rel.end:  # the retry storm: a burst of checkouts while the provider is degraded
                width = (s1 - s0).total_seconds()
                plan += [(s0 + timedelta(seconds=rng.uniform(0, width)), "place_order_storm") for _ in range(110)]
        plan.sort(key=lambda x: x[0])
        return [(ts.replace(microsecond=rng.randrange(1000) * 1000), op) for ts, op in plan]


    def _route_plan(self, rel: Release, routes: dict) -> list[tuple[datetime, str]]:
        rng = Random(f"{self.seed}|routes|{rel.version}")
        span = (rel.end - rel.start).total_seconds()
        plan = []
        for name in sorted(routes):
            n = max(1, round(ROUTE_RATE * span / 86400 * rng.uniform(0.85, 1.15)))
            plan += [(rel.start + timedelta(seconds=rng.uniform(60, span - 60)), f"route:{name}") for _ in range(n)]
        return [(ts.replace(microsecond=rng.randrange(1000) * 1000), op) for ts, op in plan]


_ADDR = re.compile(r"0x[0-9a-f]{8,}")
_ENV_KEYS = ("SHOP_DATA_DIR", "SHOP_DB_PATH", "SHOP_CATALOG_URL", "SHOP_CARRIER_URL", "SHOP_PAYMENTS_URL",
             "SHOP_HTTP_TIMEOUT", "SHOP_PAYMENTS_API_KEY")
_STD_ATTRS = set(logging.LogRecord("x", 0, "x", 0, "x", (), None).__dict__) | {"message", "asctime", "taskName"}


class _ListHandler(logging.Handler):
    def __init__(self, sink):
        super().__init__(logging.DEBUG)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink(record)


def _purge_shop_modules() -> None:
    for name in [m for m in sys.modules if m == "shop" or m.startswith("shop.")]:
        del sys.modules[name]


def _deployed_to_repo(abs_path: str) -> str | None:
    for prefix, repl in ((API_ROOT + "/", "src/"), (WORKER_ROOT + "/shop/", "src/shop/")):
        if abs_path.startswith(prefix):
            return repl + abs_path[len(prefix):]
    return None


def _label(frame: dict | None, service: str) -> str:
    """Which planted bug (if any) an event's crash frame belongs to."""
    if not frame:
        return ""
    path = _deployed_to_repo(frame.get("abs_path") or "")
    line = (frame.get("context_line") or "").strip()
    for bug in BUGS:
        if path == bug.path and (bug.construct in line or line == bug.line.strip()):
            return bug.bug_id
    return ""


__all__ = ["Period", "Release", "World", "materialize"]
