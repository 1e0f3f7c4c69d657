"""What users and jobs do to one release of "shop": the API dispatcher and the worker supervisor.

These play the part of the web framework / job framework in production: they call the release's
code, and on an exception log it with `logger.exception` (which the sentry-sdk logging integration
turns into an event, exactly as in production). Operations whose feature does not exist yet in a
release are skipped.
"""

from __future__ import annotations

import errno
import importlib
import logging
import resource
import sys
from datetime import datetime
from types import SimpleNamespace

import sentry_sdk

from demo import secrets as planted
from demo.inputs import CUSTOMERS, REPORT_TITLES, SKUS, RaceInjector, fd_headroom_limit
from demo.stubs import RETIRED_SKUS

UA = ["Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 Safari/605.1.15",
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36", "shop-ios/4.2.1 (iPhone; iOS 18.1)"]


def _open_db(settings):
    repo_mod = importlib.import_module("shop.db.orders_repo")
    conn = repo_mod.connect(str(settings.db_path))
    conn.execute("PRAGMA synchronous=OFF")
    conn.executemany("INSERT OR IGNORE INTO customers (id, name, email) VALUES (?, ?, ?)",
                     [(i + 1, n, planted.email(n)) for i, n in enumerate(CUSTOMERS)])
    conn.commit()
    return repo_mod.OrdersRepo(conn), conn


class _Base:
    service = ""

    def __init__(self, world, rng):
        self.w, self.rng = world, rng
        self.settings = importlib.import_module("shop.config").settings
        self.repo, self.conn = _open_db(self.settings)
        self.log = logging.getLogger("shop.api" if self.service == "shop-api" else "shop.worker")
        self.log.info("starting %s %s db=postgresql://shop:%s@db.internal:5432/shop", self.service,
                      world.ctx.release, planted.DB_PASSWORD)

    def _order_ids(self, where: str = "") -> list[int]:
        return [r[0] for r in self.conn.execute(f"SELECT id FROM orders {where} ORDER BY id DESC LIMIT 400")]

    def close(self) -> None:
        self.conn.close()


class ApiScenarios(_Base):
    service = "shop-api"

    def __init__(self, world, rng):
        super().__init__(world, rng)
        self.service_mod = importlib.import_module("shop.orders.service")
        gateway = importlib.import_module("shop.payments.gateway").PaymentGateway()
        self.svc = self.service_mod.OrderService(self.repo, gateway)
        self.catalog_backed = hasattr(importlib.import_module("shop.orders.pricing"), "fetch")
        self.access = logging.getLogger("shop.access")

    def dispatch(self, op: str, ts: datetime) -> None:
        built = getattr(self, "_" + op)()
        if built is None:
            return
        method, path, route, fn = built
        ctx, rng = self.w.ctx, self.rng
        ctx.route = f"{method} {route}"
        headers = {"Host": "shop.example.com", "User-Agent": rng.choice(UA),
                   "X-Request-Id": ctx.trace_id[:16], "X-Forwarded-For": f"203.0.113.{rng.randint(2, 250)}"}
        if rng.random() < 0.35:
            headers["Authorization"] = f"Bearer {planted.USER_JWT}"
        ctx.request = {"method": method, "url": f"https://shop.example.com{path}", "headers": headers}
        if rng.random() < 0.1:
            ctx.extra = {"db_config": {"host": "db.internal", "user": "shop", "password": planted.DB_PASSWORD}}
        status = 200
        with sentry_sdk.isolation_scope() as scope:
            scope.clear_breadcrumbs()
            try:
                fn()
            except Exception:
                status = 500
                self.log.exception("Exception on %s [%s]", path, method, extra={"route": route, "status": 500})
            self.access.info("%s %s %s %dms", method, path, status, rng.randint(3, 90) if status == 200
                             else rng.randint(20, 4000), extra={"status": status, "route": route})

    def _customer(self):
        cid = self.rng.randint(1, len(CUSTOMERS) + 2)  # the last two are guest checkouts (no customer row)
        name = CUSTOMERS[(cid - 1) % len(CUSTOMERS)]
        self.w.ctx.user = {"id": str(cid), "email": planted.email(name), "ip_address": "{{auto}}"}
        return cid, name

    def _place_order(self, storm: bool = False):
        rng, ctx = self.rng, self.w.ctx
        cid, name = self._customer()
        sku = rng.choice(RETIRED_SKUS) if self.catalog_backed and rng.random() < 0.08 else rng.choice(SKUS)
        qty = 0 if rng.random() < 0.02 else rng.randint(1, 5)
        degraded = self.w.period.degraded[0] <= ctx.now < self.w.period.degraded[1]
        r = rng.random()
        if storm or (degraded and r < 0.12):
            card = f"tok_overload_{rng.randint(1000, 9999)}"
        elif r > 0.97:
            card = f"tok_declined_{rng.randint(1000, 9999)}"
        else:
            card = f"tok_visa_{rng.randint(1000, 9999)}"
        return "POST", "/api/orders", "/api/orders", lambda: self.svc.place_order(cid, name, sku, qty, card)

    def _place_order_storm(self):
        return self._place_order(storm=True)

    def _search(self):
        if not hasattr(self.repo, "search_by_customer"):
            return None
        name = self.rng.choice(CUSTOMERS)
        path = "/api/orders?customer=" + name.replace(" ", "+")
        return "GET", path, "/api/orders", lambda: self.repo.search_by_customer(name)

    def _shipping_quote(self):
        ids = self._order_ids()
        if not ids or not hasattr(self.svc, "shipping_quote"):
            return None
        oid = self.rng.choice(ids)
        first = "9" if self.rng.random() < 0.35 else self.rng.choice("1234567")
        postcode = f"{first}{self.rng.randint(1000, 9999)}"
        return ("GET", f"/api/orders/{oid}/shipping?postcode={postcode}", "/api/orders/{id}/shipping",
                lambda: self.svc.shipping_quote(oid, postcode))

    def _refund(self):
        ids = self._order_ids("WHERE status = 'paid'")
        if not ids or not hasattr(self.svc, "request_refund"):
            return None
        oid = self.rng.choice(ids[:60])
        return "POST", f"/api/orders/{oid}/refund", "/api/orders/{id}/refund", lambda: self.svc.request_refund(oid)


class _Mailer:
    def __init__(self):
        self.log = logging.getLogger("shop.worker.mailer")

    def send(self, message: str) -> bool:
        self.log.info("receipt queued: %s", message.splitlines()[0])
        return True


class WorkerScenarios(_Base):
    service = "shop-worker"

    def __init__(self, world, rng):
        super().__init__(world, rng)
        self.runner = importlib.import_module("shop.worker.runner")
        self.exports_root = self.settings.data_dir / "exports"
        self.exports_root.mkdir(parents=True, exist_ok=True)
        self.job_ctx = SimpleNamespace(repo=self.repo, settings=self.settings, mailer=_Mailer(), exports=None)
        self._boot_exports()

    def _boot_exports(self) -> None:
        try:
            mod = importlib.import_module("shop.worker.exports")
        except ImportError:
            return
        if hasattr(mod, "ExportWriter"):
            self.job_ctx.exports = mod.ExportWriter(self.exports_root)
            self.headroom = self.rng.randint(5, 12)

    def _restart_exports(self) -> None:
        """The supervisor restarts the worker after it ran out of descriptors."""
        for fh in self.job_ctx.exports._handles.values():
            fh.close()
        self.log.warning("worker restarted after crash (exit code 1)")
        self._boot_exports()

    def close(self) -> None:
        if self.job_ctx.exports is not None:
            for fh in getattr(self.job_ctx.exports, "_handles", {}).values():
                fh.close()
        super().close()

    def dispatch(self, op: str, ts: datetime) -> None:
        if op not in self.runner.JOBS:
            return
        payload = getattr(self, "_" + op)()
        if payload is None:
            return
        ctx = self.w.ctx
        job_id = ctx.trace_id[:12]
        ctx.route = f"job {op}"
        ctx.request = None
        saved_limit = resource.getrlimit(resource.RLIMIT_NOFILE)
        race = payload.pop("_race", False)
        saved_trace = sys.gettrace()  # e.g. coverage; restored after the race injection
        with sentry_sdk.isolation_scope() as scope:
            scope.clear_breadcrumbs()
            error = None
            try:
                if op == "export_orders":
                    leaked = len(self.job_ctx.exports._handles)
                    soft = fd_headroom_limit(max(0, self.headroom - leaked))
                    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, saved_limit[1]))
                if race:
                    sys.settrace(RaceInjector())
                self.runner.run_job(self.job_ctx, op, payload)
            except Exception as exc:  # noqa: BLE001 - the supervisor reports every failed job
                error = exc
            finally:
                sys.settrace(saved_trace)
                resource.setrlimit(resource.RLIMIT_NOFILE, saved_limit)
            if error is not None:
                if isinstance(error, OSError) and error.errno == errno.EMFILE:
                    self._restart_exports()
                self.log.error("job %s[%s] raised unexpected: %r", op, job_id, error,
                               exc_info=(type(error), error, error.__traceback__), extra={"job": op, "job_id": job_id})
            else:
                self.log.info("job %s[%s] succeeded", op, job_id, extra={"job": op, "job_id": job_id})

    def _payment_webhook(self):
        rng, w = self.rng, self.w
        if w.payloads and rng.random() < 0.2:
            return dict(rng.choice(w.payloads[-50:]))  # the provider redelivers
        ids = self._order_ids()
        if not ids:
            return None
        oid = rng.choice(ids)
        payload = {"order_id": oid, "idempotency_key": f"evt_{w.next_key:06d}", "amount": rng.randint(450, 27000),
                   "paid_at": w.ctx.now.isoformat()}
        w.next_key += 1
        w.payloads.append(payload)
        return dict(payload)

    def _export_orders(self):
        rows = [tuple(r) for r in self.conn.execute(
            "SELECT id, sku, qty, total_cents FROM orders ORDER BY id DESC LIMIT ?", (self.rng.randint(3, 12),))]
        batch = self.w.next_batch
        self.w.next_batch += 1
        return {"batch": batch, "rows": rows}

    def _spool_batch(self):
        batch = self.w.next_batch
        self.w.next_batch += 1
        return {"batch": batch, "_race": self.rng.random() < 0.35}

    def _send_receipt(self):
        ids = self._order_ids()
        return {"order_id": self.rng.choice(ids)} if ids else None

    def _monthly_report(self):
        title = self.rng.choice(REPORT_TITLES)
        self.w.ctx.extra = {"job_env": {"AWS_ACCESS_KEY_ID": planted.AWS_ACCESS_KEY_ID,
                                        "AWS_SECRET_ACCESS_KEY": planted.AWS_SECRET_ACCESS_KEY,
                                        "S3_BUCKET": "shop-reports"}}
        self.log.info("report %r will be uploaded to s3://shop-reports with access key %s", title,
                      planted.AWS_ACCESS_KEY_ID)
        rows = [(i, self.rng.randint(1, 500)) for i in range(5)]
        return {"title": title, "rows": rows}


class FeatureApiScenarios(ApiScenarios):
    """The API plus the feature endpoints of `--risk-history` releases (`shop.routes`), as ops `route:<name>`.

    A subclass appended here so that the frames and context lines of the base scenarios, which the
    default world's events carry, stay exactly as they were."""

    def __init__(self, world, rng):
        super().__init__(world, rng)
        try:
            self.routes = importlib.import_module("shop.routes").ROUTES
        except ModuleNotFoundError:
            self.routes = {}

    def __getattr__(self, attr: str):
        if attr.startswith("_route:"):
            return lambda: self._route(attr[len("_route:"):])
        raise AttributeError(attr)

    def _route(self, name: str):
        module, func = self.routes[name]
        fn = getattr(importlib.import_module(module), func)
        req = self._feature_request(name)
        return "POST", f"/api/features/{name}", f"/api/features/{name}", lambda: fn(self.conn, req)

    def _feature_request(self, route: str) -> dict:
        """What a feature endpoint receives: the same users, SKUs and titles as the rest of the API."""
        from datetime import timedelta

        rng, w = self.rng, self.w
        cid, name = self._customer()
        keys = w.route_keys.setdefault(route, [])
        if keys and rng.random() < 0.25:
            key = rng.choice(keys)  # the carrier redelivers
        else:
            key = f"dlv_{route}_{len(keys) + 1:05d}"
            keys.append(key)
        paid = w.ctx.now - timedelta(days=rng.randint(1, 40))
        first = "9" if rng.random() < 0.35 else rng.choice("1234567")
        return {
            "customer": name, "customer_id": cid, "qty": rng.randint(1, 5),
            "sku": rng.choice(RETIRED_SKUS) if rng.random() < 0.1 else rng.choice(SKUS),
            "title": rng.choice(REPORT_TITLES), "postcode": f"{first}{rng.randint(1000, 9999)}",
            "paid_at": (paid if rng.random() < 0.5 else paid.replace(tzinfo=None)).isoformat(),
            "key": key, "amount": rng.randint(450, 27000),
            "items": [] if rng.random() < 0.2 else [rng.randint(100, 5000) for _ in range(rng.randint(1, 4))],
        }
