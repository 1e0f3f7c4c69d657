# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
# `ruleid` lines must be flagged, `ok` lines are look-alikes from real, well-maintained code that must not be.
import datetime as dt
import logging
from datetime import datetime, timedelta, timezone

REFUND_WINDOW = timedelta(days=14)


def is_expired(expires_at):
    now = datetime.now()
    # ruleid: hindsight.catalog.naive_datetime
    return expires_at < now


def refundable(paid_at):
    # ruleid: hindsight.catalog.naive_datetime
    return datetime.now() - paid_at < REFUND_WINDOW


def age(created_ts, reference):
    # ruleid: hindsight.catalog.naive_datetime
    return reference - dt.datetime.fromtimestamp(created_ts)


def aware(expires_at):
    now = datetime.now(timezone.utc)
    # ok: hindsight.catalog.naive_datetime
    return expires_at < now


def aware_ts(created_ts, reference):
    # ok: hindsight.catalog.naive_datetime
    return reference - datetime.fromtimestamp(created_ts, tz=timezone.utc)


def log_time(record):
    # Local time for display (rich's log handler): deliberate, never compared.
    # ok: hindsight.catalog.naive_datetime
    log_time = datetime.fromtimestamp(record.created)
    return log_time.strftime("%X")


def banner():
    # ok: hindsight.catalog.naive_datetime
    return f"started {datetime.now():%Y-%m-%d %H:%M}"


def timestamper(utc):
    # structlog's TimeStamper: local time only when asked for.
    # ok: hindsight.catalog.naive_datetime
    return datetime.now(tz=timezone.utc) if utc else datetime.now()


def window(paid_at):
    # one finding for one call, however many operators surround it
    # ruleid: hindsight.catalog.naive_datetime
    return datetime.now() - paid_at < REFUND_WINDOW and paid_at > datetime.now() - REFUND_WINDOW * 2
