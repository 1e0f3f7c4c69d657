"""The source tree of the demo service "shop", rendered from a small state dict.

A commit in the demo history is a change of state; every file is re-rendered from the state and
only the files whose text changed are committed. Rendering is deterministic and each block keeps
its exact text unless the state says otherwise, so `git blame` of a planted line points at the
commit whose state change introduced it.

State keys (all optional, see `DEFAULT_STATE`): feature flags `b1`..`b10` for the planted bugs with
values 'absent' | 'planted' | 'fixed' | 'regressed', `black` (mass reformat applied: single quotes
become double quotes), `tabs_fixed` (refunds.py re-indented), `count_open` (the unrelated code move
above a planted line), `utc_paid_at`, plus cosmetic counters used by filler commits. The keys of
`--risk-history` (`ext`, `ext_tests`, `readme_notes`, see `demo.risk_history`) are absent by default.
"""

from __future__ import annotations

DEFAULT_STATE: dict = {
    "version": "0.1.0",
    "b1": "absent", "b2": "absent", "b4": "absent", "b5": "absent", "b6": "absent",
    "b3": "absent", "b7": "absent", "b8": "absent", "b9": "absent", "b10": "absent",
    "black": False, "tabs_fixed": False, "count_open": False, "utc_paid_at": False,
    "ignore_revs": "", "readme": 0, "changelog": (), "tests": (), "pool_size": 4,
    "order_status": False, "healthcheck": False, "batch_size": 500, "currency": False,
    "docs_worker": False, "log_json": False, "metrics": False, "cache_prices": False,
    "ci": False, "makefile": False, "docker": False, "runbook": (),
}


def render(s: dict) -> dict[str, str]:
    """All files of the repository for state `s` (path -> text)."""
    s = {**DEFAULT_STATE, **s}
    files = {
        "README.md": _readme(s),
        "pyproject.toml": _pyproject(s),
        ".gitignore": "__pycache__/\n*.pyc\n*.db\n.venv/\n/dist/\n",
        "src/shop/__init__.py": f'"""shop: orders, payments and fulfilment service."""\n\n__version__ = "{s["version"]}"\n',
        "src/shop/config.py": _config(s),
        "src/shop/http/__init__.py": '"""HTTP helpers for talking to internal services."""\n',
        "src/shop/http/client.py": _http_client(s),
        "src/shop/db/__init__.py": '"""Database access (SQLite)."""\n',
        "src/shop/db/orders_repo.py": _orders_repo(s),
        "src/shop/orders/__init__.py": '"""Orders domain."""\n',
        "src/shop/orders/pricing.py": _pricing(s),
        "src/shop/orders/service.py": _order_service(s),
        "src/shop/payments/__init__.py": '"""Payments domain."""\n',
        "src/shop/payments/gateway.py": _gateway(s),
        "src/shop/worker/__init__.py": '"""Background worker: webhooks, exports, receipts, reports."""\n',
        "src/shop/worker/runner.py": _runner(s),
    }
    if s["b7"] != "absent":
        files["src/shop/orders/refunds.py"] = _refunds(s)
    if s["runbook"]:
        files["docs/runbook.md"] = "# Runbook\n" + "".join(f"\n## {t}\n\n{b}\n" for t, b in s["runbook"])
    if s["b5"] != "absent":
        files["src/shop/worker/webhooks.py"] = _webhooks(s)
    if s["b6"] != "absent" or s["b10"] != "absent":
        files["src/shop/worker/exports.py"] = _exports(s)
    if s["b8"] != "absent":
        files["src/shop/worker/notifications.py"] = _notifications(s)
    if s["b9"] != "absent":
        files["src/shop/worker/reports.py"] = _reports(s)
    if s["changelog"]:
        files["CHANGELOG.md"] = "# Changelog\n\n" + "".join(f"{e}\n" for e in reversed(s["changelog"]))
    if s["ignore_revs"]:
        files[".git-blame-ignore-revs"] = s["ignore_revs"]
    for name in s["tests"]:
        files[f"tests/test_{name}.py"] = _test_file(name)
    if s["ci"]:
        files[".github/workflows/ci.yml"] = _CI
    if s["makefile"]:
        files["Makefile"] = "test:\n\tpython -m pytest -q\n\nlint:\n\truff check src tests\n"
    if s["docker"]:
        files["Dockerfile"] = _DOCKERFILE
    if s["docs_worker"]:
        files["docs/worker.md"] = _WORKER_DOC
    if s.get("ext") or s.get("ext_tests") or s.get("readme_notes"):  # `--risk-history` only
        from demo.risk_code import render_into

        render_into(files, s)
    return files


def _q(s: dict, text: str) -> str:
    """Single quotes before the mass reformat, double quotes after it."""
    return text if not s["black"] else text.replace("'", '"')


def _readme(s: dict) -> str:
    out = "# shop\n\nOrders, payments and fulfilment for the web shop.\n"
    if s["readme"] >= 1:
        out += "\n## Running\n\n```\npip install -e .\nSHOP_DB_PATH=shop.db python -m shop.worker.runner\n```\n"
    if s["readme"] >= 2:
        out += "\n## Configuration\n\nAll settings come from `SHOP_*` environment variables, see `src/shop/config.py`.\n"
    if s["readme"] >= 3:
        out += "\n## Services\n\n- `shop-api`: the HTTP API (`/app/src/shop`)\n- `shop-worker`: background jobs (installed package)\n"
    return out


def _pyproject(s: dict) -> str:
    out = (f'[project]\nname = "shop"\nversion = "{s["version"]}"\nrequires-python = ">=3.11"\n'
           'dependencies = ["requests>=2.31"]\n\n[tool.setuptools.packages.find]\nwhere = ["src"]\n')
    if s["black"]:
        out += '\n[tool.black]\nline-length = 120\n'
    return out


def _config(s: dict) -> str:
    lines = [
        '"""Runtime settings, read once from the environment."""',
        "",
        "import os",
        "from dataclasses import dataclass",
        "from pathlib import Path",
        "",
        "",
        "@dataclass(frozen=True)",
        "class Settings:",
        "    db_path: Path",
        "    data_dir: Path",
        "    catalog_url: str",
        "    carrier_url: str",
        "    payments_url: str",
        "    payments_api_key: str",
        "    http_timeout: float = 5.0",
        f"    pool_size: int = {s['pool_size']}",
    ]
    if s["batch_size"] != 500 or s["b6"] != "absent":
        lines.append(f"    export_batch_size: int = {s['batch_size']}")
    if s["currency"]:
        lines.append(_q(s, "    currency: str = 'EUR'"))
    lines += [
        "",
        "",
        "def load_settings() -> Settings:",
        _q(s, "    data_dir = Path(os.environ.get('SHOP_DATA_DIR', '/var/lib/shop'))"),
        "    return Settings(",
        _q(s, "        db_path=Path(os.environ.get('SHOP_DB_PATH', data_dir / 'shop.db')),"),
        "        data_dir=data_dir,",
        _q(s, "        catalog_url=os.environ.get('SHOP_CATALOG_URL', 'http://catalog.internal'),"),
        _q(s, "        carrier_url=os.environ.get('SHOP_CARRIER_URL', 'http://carrier.internal'),"),
        _q(s, "        payments_url=os.environ.get('SHOP_PAYMENTS_URL', 'http://payments.internal'),"),
        _q(s, "        payments_api_key=os.environ.get('SHOP_PAYMENTS_API_KEY', ''),"),
        _q(s, "        http_timeout=float(os.environ.get('SHOP_HTTP_TIMEOUT', '5')),"),
        "    )",
        "",
        "",
        "settings = load_settings()",
    ]
    return "\n".join(lines) + "\n"


B1_PLANTED = "    resp = requests.get(url, params=params)"
B1_FIXED = "    resp = requests.get(url, params=params, timeout=settings.http_timeout)"


def _http_client(s: dict) -> str:
    lines = [
        '"""Thin HTTP helpers shared by the domain modules."""',
        "",
        "import logging",
        "",
        "import requests",
    ]
    if s["b2"] != "absent":
        lines.append("from requests.adapters import HTTPAdapter")
    lines += [
        "",
        "from shop.config import settings",
        "",
        "logger = logging.getLogger(__name__)",
        "",
        "",
        "def post_json(url, body, headers=None):",
        '    """POST a JSON body and return the decoded JSON answer."""',
        "    resp = requests.post(url, json=body, headers=headers or {}, timeout=settings.http_timeout)",
        "    resp.raise_for_status()",
        "    return resp.json()",
    ]
    if s["b1"] != "absent":
        lines += [
            "",
            "",
            "def fetch(url, params=None):",
            '    """GET a resource from an internal service; the caller decodes it."""',
            '    logger.debug("GET %s params=%s", url, params)',
            B1_FIXED if s["b1"] == "fixed" else B1_PLANTED,
            "    resp.raise_for_status()",
            "    return resp",
        ]
    if s["b2"] != "absent":
        lines += [
            "",
            "",
            "def retrying_session(retry):",
            '    """A session whose adapters retry according to `retry` (a urllib3 Retry)."""',
            "    session = requests.Session()",
            "    adapter = HTTPAdapter(max_retries=retry)",
            _q(s, "    session.mount('http://', adapter)"),
            _q(s, "    session.mount('https://', adapter)"),
            "    return session",
        ]
    return "\n".join(lines) + "\n"


B3_LINE = ("        rows = self.conn.execute(f\"SELECT id, status, total_cents FROM orders WHERE customer_name = '{name}'\")"
           ".fetchall()")
B5_PLANTED = ('        self.conn.execute("INSERT INTO payments (order_id, idem_key, amount) VALUES (?, ?, ?)", '
              "(order_id, key, amount))")
B5_FIXED = ('        self.conn.execute("INSERT OR IGNORE INTO payments (order_id, idem_key, amount) VALUES (?, ?, ?)", '
            "(order_id, key, amount))")


def _orders_repo(s: dict) -> str:
    schema = [
        "CREATE TABLE IF NOT EXISTS customers (id INTEGER PRIMARY KEY, name TEXT, email TEXT);",
        "CREATE TABLE IF NOT EXISTS orders (",
        "    id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER, customer_name TEXT, sku TEXT,",
        "    qty INTEGER, total_cents INTEGER, status TEXT, created_at TEXT, paid_at TEXT",
        ");",
    ]
    if s["b5"] != "absent":
        schema.append("CREATE TABLE IF NOT EXISTS payments (order_id INTEGER, idem_key TEXT UNIQUE, amount INTEGER);")
    lines = [
        '"""SQLite access for orders, payments and customers."""',
        "",
        "import sqlite3",
        "from datetime import datetime, timezone",
        "",
        'SCHEMA = """',
        *schema,
        '"""',
        "",
        "",
        "def connect(path):",
        "    conn = sqlite3.connect(path)",
        "    conn.row_factory = sqlite3.Row",
        "    conn.executescript(SCHEMA)",
        "    return conn",
        "",
        "",
        "class OrdersRepo:",
        "    def __init__(self, conn):",
        "        self.conn = conn",
        "",
        "    def insert_order(self, customer_id, customer_name, sku, qty, total_cents):",
        "        cur = self.conn.execute(",
        '            "INSERT INTO orders (customer_id, customer_name, sku, qty, total_cents, status, created_at) "',
        "            \"VALUES (?, ?, ?, ?, ?, 'new', ?)\",",
        "            (customer_id, customer_name, sku, qty, total_cents, datetime.now(timezone.utc).isoformat()),",
        "        )",
        "        self.conn.commit()",
        "        return cur.lastrowid",
        "",
        "    def get_order(self, order_id):",
        '        row = self.conn.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()',
        "        if row is None:",
        '            raise LookupError(f"order {order_id} not found")',
        "        return dict(row)",
        "",
        "    def get_customer(self, customer_id):",
        '        row = self.conn.execute("SELECT * FROM customers WHERE id = ?", (customer_id,)).fetchone()',
        "        if row is None:",
        '            raise LookupError(f"customer {customer_id} not found")',
        "        return dict(row)",
        "",
    ]
    if s["count_open"]:
        lines += [
            "    def count_open(self):",
            '        """Orders not yet paid (used by the dashboard and the export job)."""',
            "        return self.conn.execute(\"SELECT count(*) FROM orders WHERE status = 'new'\").fetchone()[0]",
            "",
        ]
    if s["order_status"]:
        lines += [
            "    def set_status(self, order_id, status):",
            '        self.conn.execute("UPDATE orders SET status = ? WHERE id = ?", (status, order_id))',
            "        self.conn.commit()",
            "",
        ]
    if s["b3"] != "absent":
        lines += [
            "    def search_by_customer(self, name):",
            B3_LINE,
            "        return [dict(r) for r in rows]",
            "",
        ]
    paid = ("datetime.now(timezone.utc).isoformat()" if s["utc_paid_at"] else "datetime.utcnow().isoformat()")
    lines += [
        "    def mark_paid(self, order_id, paid_at=None):",
        f"        paid_at = paid_at or {paid}",
        "        self.conn.execute(\"UPDATE orders SET status = 'paid', paid_at = ? WHERE id = ?\", (paid_at, order_id))",
        "        self.conn.commit()",
    ]
    if s["b5"] != "absent":
        lines += [
            "",
            "    def record_payment(self, order_id, key, amount):",
            B5_FIXED if s["b5"] == "fixed" else B5_PLANTED,
            "        self.conn.commit()",
        ]
    return "\n".join(lines) + "\n"


B4_LINE = "    unit_price = fetch(f'{settings.catalog_url}/prices/{sku}').json()['price']"


def _pricing(s: dict) -> str:
    lines = [
        '"""Prices: a static table at first, later the catalog service."""',
        "",
    ]
    if s["b4"] != "absent":
        lines += ["from shop.config import settings", "from shop.http.client import fetch", ""]
    lines += [
        _q(s, "STATIC_PRICES = {'tea-001': 4.5, 'mug-002': 12.0, 'pot-003': 29.9, 'cozy-004': 8.25, 'set-005': 54.0}"),
    ]
    if s["cache_prices"]:
        lines += ["_cache = {}"]
    lines += ["", "", "def quote_price(sku, qty):", '    """Total price in cents for `qty` units of `sku`."""']
    if s["b4"] != "absent":
        lines.append(_q(s, B4_LINE))
    else:
        lines.append("    unit_price = STATIC_PRICES[sku]")
    lines.append("    return round(unit_price * qty * 100)")
    return "\n".join(lines) + "\n"


def _order_service(s: dict) -> str:
    guarded = s["b1"] == "fixed"  # the fix added a timeout and a fallback; the regression removed both
    lines = ['"""Placing orders, shipping quotes and refunds."""', "", "import logging"]
    if s["b7"] != "absent":
        lines.append("from datetime import datetime")
    lines.append("")
    if guarded:
        lines += ["import requests", ""]
    if s["b1"] != "absent":
        lines += ["from shop.config import settings", "from shop.http.client import fetch"]
    lines.append("from shop.orders.pricing import quote_price")
    if s["b7"] != "absent":
        lines.append("from shop.orders.refunds import refund_window_open")
    lines += ["", "logger = logging.getLogger(__name__)", ""]
    if guarded:
        lines += ['FALLBACK_QUOTE = {"carrier": "standard", "price_cents": 690, "days": 5}', ""]
    lines += [
        "",
        "class OutOfStock(Exception):",
        '    """The SKU cannot be ordered right now."""',
        "",
        "",
        "class RefundRejected(Exception):",
        '    """The refund window is closed."""',
        "",
        "",
        "class OrderService:",
        "    def __init__(self, repo, gateway):",
        "        self.repo = repo",
        "        self.gateway = gateway",
        "",
        "    def place_order(self, customer_id, customer_name, sku, qty, card_token):",
        "        if qty <= 0 or qty > 50:",
        '            raise OutOfStock(f"cannot order {qty} x {sku}")',
        "        total = quote_price(sku, qty)",
        "        order_id = self.repo.insert_order(customer_id, customer_name, sku, qty, total)",
        '        charge_id = self.gateway.charge(order_id, total, card_token, f"order-{order_id}")',
        "        self.repo.mark_paid(order_id)",
        '        logger.info("order %s placed total=%s charge=%s", order_id, total, charge_id)',
        "        return order_id",
    ]
    if s["b1"] != "absent":
        lines += [
            "",
            "    def shipping_quote(self, order_id, postcode):",
            "        order = self.repo.get_order(order_id)",
            '        params = {"postcode": postcode, "weight": order["qty"]}',
        ]
        if guarded:
            lines += [
                "        try:",
                '            return fetch(f"{settings.carrier_url}/quotes", params=params).json()',
                "        except requests.RequestException:",
                '            logger.warning("carrier quote timed out for %s; using fallback", postcode)',
                "            return FALLBACK_QUOTE",
            ]
        else:
            lines += ['        return fetch(f"{settings.carrier_url}/quotes", params=params).json()']
    if s["b7"] != "absent":
        lines += [
            "",
            "    def request_refund(self, order_id):",
            "        order = self.repo.get_order(order_id)",
            '        paid_at = datetime.fromisoformat(order["paid_at"])',
            "        if not refund_window_open(paid_at):",
            '            raise RefundRejected(f"order {order_id} paid {paid_at:%Y-%m-%d}")',
            '        logger.info("refund accepted for order %s", order_id)',
            "        return True",
        ]
    return "\n".join(lines) + "\n"


B7_LINE = "return datetime.now() - paid_at < REFUND_WINDOW"


def _refunds(s: dict) -> str:
    ind = "    " if s["tabs_fixed"] else "\t"
    return "\n".join([
        '"""Refund policy."""',
        "",
        "from datetime import datetime, timedelta",
        "",
        "REFUND_WINDOW = timedelta(days=30)",
        "",
        "",
        "def refund_window_open(paid_at):",
        f'{ind}"""True while an order paid at `paid_at` can still be refunded."""',
        f"{ind}{B7_LINE}",
    ]) + "\n"


B2_PLANTED = ("        resp = retrying_session(Retry(total=4, backoff_factor=0, status_forcelist=[503]))"
              ".put(url, json=body, timeout=5)")
B2_FIXED = ("        resp = retrying_session(Retry(total=4, backoff_factor=0.25, status_forcelist=[503]))"
            ".put(url, json=body, timeout=5)")


def _gateway(s: dict) -> str:
    lines = ['"""Payment provider client."""', "", "import logging", ""]
    if s["b2"] == "absent":
        lines += ["import requests", ""]
    else:
        lines += ["from urllib3.util.retry import Retry", ""]
    lines += ["from shop.config import settings"]
    if s["b2"] != "absent":
        lines += ["from shop.http.client import retrying_session"]
    lines += [
        "",
        "logger = logging.getLogger(__name__)",
        "",
        "",
        "class CardDeclined(Exception):",
        '    """The provider refused the charge (not retryable)."""',
        "",
        "",
        "class PaymentGateway:",
        "    def __init__(self, api_key=None):",
        "        self.api_key = api_key or settings.payments_api_key",
        "",
        "    def _headers(self):",
        '        return {"Authorization": f"Bearer {self.api_key}"}',
        "",
        "    def charge(self, order_id, amount_cents, card_token, idempotency_key):",
        '        url = f"{settings.payments_url}/v1/charges/{idempotency_key}"',
        '        body = {"order_id": order_id, "amount": amount_cents, "source": card_token}',
        '        logger.info("charging order %s amount=%s headers=%s", order_id, amount_cents, self._headers())',
    ]
    if s["b2"] == "absent":
        lines.append("        resp = requests.put(url, json=body, headers=self._headers(), timeout=5)")
    else:
        lines.append(B2_FIXED if s["b2"] == "fixed" else B2_PLANTED)
    lines += [
        "        if resp.status_code == 402:",
        '            raise CardDeclined(resp.json().get("reason", "declined"))',
        "        resp.raise_for_status()",
        '        return resp.json()["charge_id"]',
    ]
    return "\n".join(lines) + "\n"


def _runner(s: dict) -> str:
    imports, jobs = [], []
    if s["b5"] != "absent":
        imports.append("from shop.worker.webhooks import handle_payment_webhook")
        jobs.append('    "payment_webhook": lambda ctx, p: handle_payment_webhook(ctx.repo, p),')
    if s["b6"] != "absent":
        jobs.append('    "export_orders": lambda ctx, p: ctx.exports.write_batch(p["batch"], p["rows"]),')
    if s["b10"] != "absent":
        imports.append("from shop.worker.exports import ensure_spool")
        jobs.append('    "spool_batch": lambda ctx, p: ensure_spool(ctx.settings.data_dir, p["batch"]),')
    if s["b8"] != "absent":
        imports.append("from shop.worker.notifications import send_receipt")
        jobs.append('    "send_receipt": lambda ctx, p: send_receipt(ctx.repo, ctx.mailer, p["order_id"]),')
    if s["b9"] != "absent":
        imports.append("from shop.worker.reports import build_report")
        jobs.append('    "monthly_report": lambda ctx, p: build_report(ctx.settings.data_dir, p["title"], p["rows"]),')
    lines = ['"""Job dispatch for the background worker."""', "", "import logging", ""]
    if imports:
        lines += sorted(imports) + [""]
    lines += ["logger = logging.getLogger(__name__)", "", "JOBS = {", *jobs, "}", "", "",
              "def run_job(ctx, name, payload):",
              '    """Run one job; errors propagate to the supervisor, which logs and reports them."""',
              "    result = JOBS[name](ctx, payload)",
              '    logger.info("job %s done", name)',
              "    return result"]
    return "\n".join(lines) + "\n"


def _webhooks(s: dict) -> str:
    return "\n".join([  # noqa: FLY002 - one source line per element
        '"""Payment provider webhooks (delivered at least once)."""',
        "",
        "import logging",
        "",
        "logger = logging.getLogger(__name__)",
        "",
        "",
        "def handle_payment_webhook(repo, payload):",
        '    order_id = payload["order_id"]',
        '    repo.record_payment(order_id, payload["idempotency_key"], payload["amount"])',
        '    repo.mark_paid(order_id, payload.get("paid_at"))',
        '    logger.info("payment recorded for order %s", order_id)',
    ]) + "\n"


B6_LINE = '        self._handles[name] = open(self.root / name, "a", encoding="utf-8")'
B10_LINE = "    if not spool.exists(): spool.mkdir(parents=True)"


def _exports(s: dict) -> str:
    lines = ['"""Order exports for the finance team."""', "", "from pathlib import Path", ""]
    if s["b6"] != "absent":
        lines += [
            "",
            "class ExportWriter:",
            '    """Appends order rows to per-batch CSV files."""',
            "",
            "    def __init__(self, root):",
            "        self.root = Path(root)",
            "        self._handles = {}",
            "",
            "    def _handle(self, name):",
            B6_LINE,
            "        return self._handles[name]",
            "",
            "    def write_batch(self, batch_id, rows):",
            '        fh = self._handle(f"orders-{batch_id:05d}.csv")',
            "        for row in rows:",
            '            fh.write(",".join(str(v) for v in row) + "\\n")',
            "        fh.flush()",
            "        return len(rows)",
            "",
        ]
    if s["b10"] != "absent":
        lines += [
            "",
            "def ensure_spool(root, batch_id):",
            '    """The spool directory of a batch (several workers share the volume)."""',
            '    spool = Path(root) / "spool" / f"batch-{batch_id}"',
            B10_LINE,
            "    return spool",
        ]
    while lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


B8_LINE = '    message = render_receipt(customer["email"], order_id)'


def _notifications(s: dict) -> str:
    return "\n".join([  # noqa: FLY002 - one source line per element
        '"""Receipts sent after payment."""',
        "",
        "",
        "def render_receipt(email, order_id):",
        '    return f"To: {email}\\nSubject: Your order {order_id}\\n\\nThank you for your order."',
        "",
        "",
        "def send_receipt(repo, mailer, order_id):",
        "    try:",
        "        customer = repo.get_customer(repo.get_order(order_id)[\"customer_id\"])",
        "    except Exception:",
        "        pass",
        B8_LINE,
        "    return mailer.send(message)",
    ]) + "\n"


B9_PLANTED = '    subprocess.run(f"gzip -9 -f {path}", shell=True, check=True, capture_output=True)'
B9_FIXED = '    subprocess.run(["gzip", "-9", "-f", str(path)], check=True, capture_output=True)'


def _reports(s: dict) -> str:
    return "\n".join([
        '"""Monthly CSV reports, compressed for the archive."""',
        "",
        "import subprocess",
        "from pathlib import Path",
        "",
        "",
        "def compress_report(path):",
        B9_FIXED if s["b9"] == "fixed" else B9_PLANTED,
        '    return path.with_name(path.name + ".gz")',
        "",
        "",
        "def build_report(root, title, rows):",
        '    path = Path(root) / "reports" / f"{title}.csv"',
        "    path.parent.mkdir(parents=True, exist_ok=True)",
        '    path.write_text("".join(",".join(map(str, r)) + "\\n" for r in rows), encoding="utf-8")',
        "    return compress_report(path)",
    ]) + "\n"


def _test_file(name: str) -> str:
    bodies = {
        "pricing": ("from shop.orders.pricing import STATIC_PRICES\n\n\n"
                    "def test_static_prices_positive():\n    assert all(p > 0 for p in STATIC_PRICES.values())\n"),
        "refunds": ("from datetime import datetime, timedelta\n\nfrom shop.orders.refunds import refund_window_open\n\n\n"
                    "def test_recent_order_refundable():\n    assert refund_window_open(datetime.now() - timedelta(days=1))\n"),
        "repo": ("from shop.db.orders_repo import OrdersRepo, connect\n\n\n"
                 "def test_insert_and_get(tmp_path):\n    repo = OrdersRepo(connect(tmp_path / 'x.db'))\n"
                 "    oid = repo.insert_order(1, 'Ann', 'tea-001', 2, 900)\n    assert repo.get_order(oid)['qty'] == 2\n"),
        "gateway": ("from shop.payments.gateway import PaymentGateway\n\n\n"
                    "def test_headers_carry_key():\n    assert PaymentGateway('k')._headers()['Authorization'] == 'Bearer k'\n"),
        "reports": ("from shop.worker.reports import build_report\n\n\n"
                    "def test_report_compressed(tmp_path):\n    assert build_report(tmp_path, 'nov', [(1, 2)]).exists()\n"),
        "exports": ("from shop.worker.exports import ExportWriter\n\n\n"
                    "def test_write_batch(tmp_path):\n    assert ExportWriter(tmp_path).write_batch(1, [(1, 'a')]) == 1\n"),
    }
    return bodies[name]


_CI = """name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {python-version: "3.11"}
      - run: pip install -e . pytest && pytest -q
"""

_DOCKERFILE = """FROM python:3.11-slim
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir -e .
CMD ["gunicorn", "shop.app:app"]
"""

_WORKER_DOC = """# Worker

Jobs: `payment_webhook`, `export_orders`, `spool_batch`, `send_receipt`, `monthly_report`.
The worker is installed as a package (`pip install .`) on the worker hosts.
"""
