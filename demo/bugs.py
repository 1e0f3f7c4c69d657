"""The planted bugs of the demo world: where they live and how to recognise their crash line.

`construct` is a substring of the planted line that *is* the bad construct. For two classes the
failure surfaces one line below the construct (a swallowed exception is used later; an `except`
cannot crash), so `construct_window` says how many lines above the crash line the construct may be.
"""

from __future__ import annotations

from dataclasses import dataclass

from demo import shop_code as sc
from models.failure_classes import registry


@dataclass(frozen=True)
class Bug:
    bug_id: str
    state_key: str  # key in the shop_code state
    failure_class: str
    description: str
    path: str
    function: str
    line: str  # the planted crash line, exactly as in the file (indentation included)
    construct: str
    services: tuple[str, ...]
    construct_window: int = 0

    def __post_init__(self):
        if self.failure_class not in registry():
            raise ValueError(f"bug {self.bug_id}: {self.failure_class!r} is not a registered failure class")


BUGS: tuple[Bug, ...] = (
    Bug("B01", "b1", "missing_http_timeout", "GET to the carrier service without a timeout; hangs until the "
        "load balancer drops the connection", "src/shop/http/client.py", "fetch", sc.B1_PLANTED,
        "requests.get(url, params=params)", ("shop-api",)),
    Bug("B02", "b2", "retry_without_backoff", "charge retried on 503 with backoff_factor=0: retries land "
        "milliseconds apart and all fail", "src/shop/payments/gateway.py", "PaymentGateway.charge",
        sc.B2_PLANTED, "backoff_factor=0,", ("shop-api",)),
    Bug("B03", "b3", "sql_string_formatting", "customer search builds SQL with an f-string; names with an "
        "apostrophe break the statement", "src/shop/db/orders_repo.py", "OrdersRepo.search_by_customer",
        sc.B3_LINE, "execute(f\"SELECT", ("shop-api",)),
    Bug("B04", "b4", "unchecked_external_json", "catalog price read from the JSON answer without checking "
        "for the error shape", "src/shop/orders/pricing.py", "quote_price", sc.B4_LINE, ".json()[",
        ("shop-api",)),
    Bug("B05", "b5", "missing_idempotency", "webhook deliveries are at-least-once but the payment insert "
        "is not idempotent", "src/shop/db/orders_repo.py", "OrdersRepo.record_payment", sc.B5_PLANTED,
        '"INSERT INTO payments', ("shop-worker",)),
    Bug("B06", "b6", "resource_not_closed", "export writer opens a file per batch and never closes it",
        "src/shop/worker/exports.py", "ExportWriter._handle", sc.B6_LINE, "= open(", ("shop-worker",)),
    Bug("B07", "b7", "naive_datetime", "refund window compares naive datetime.now() with the aware "
        "paid_at stored since payments are kept in UTC", "src/shop/orders/refunds.py", "refund_window_open",
        "\t" + sc.B7_LINE, "datetime.now() -", ("shop-api",)),
    Bug("B08", "b8", "swallowed_exception", "customer lookup errors are swallowed, the receipt then uses "
        "an unbound variable", "src/shop/worker/notifications.py", "send_receipt", sc.B8_LINE,
        "except Exception:", ("shop-worker",), construct_window=2),
    Bug("B09", "b9", "subprocess_shell_true", "report compressed through the shell; titles with spaces "
        "(user input) split the path", "src/shop/worker/reports.py", "compress_report", sc.B9_PLANTED,
        "shell=True", ("shop-worker",)),
    Bug("B10", "b10", "check_then_act_race", "spool directory created after an exists() check; two "
        "workers race between check and mkdir", "src/shop/worker/exports.py", "ensure_spool", sc.B10_LINE,
        "if not spool.exists(): spool.mkdir(", ("shop-worker",)),
)

BY_KEY = {b.state_key: b for b in BUGS}
BY_ID = {b.bug_id: b for b in BUGS}
