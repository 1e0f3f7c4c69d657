# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
import datetime as dt
from datetime import datetime, timezone


def is_expired(expires_at):
    # ruleid: hindsight.catalog.naive_datetime
    now = datetime.now()
    # ruleid: hindsight.catalog.naive_datetime
    stamp = dt.datetime.utcnow()
    # ruleid: hindsight.catalog.naive_datetime
    when = datetime.fromtimestamp(1700000000)
    # ok: hindsight.catalog.naive_datetime
    aware = datetime.now(timezone.utc)
    # ok: hindsight.catalog.naive_datetime
    other = datetime.fromtimestamp(1700000000, tz=timezone.utc)
    return now, stamp, when, aware, other, expires_at
