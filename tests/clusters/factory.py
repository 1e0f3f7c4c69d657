"""Warehouse rows shaped like ingested Sentry events, log records and incidents, for the cluster tests.

Events follow Sentry's layout: `exception.values` cause first / main last, frames outermost first,
the crashing frame last (`is_innermost`). Fingerprints come from the signatures stage's
`fingerprint_events` (models/signatures).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

NOW = datetime(2026, 11, 1, 12, 0, 0)


@dataclass(frozen=True)
class F:
    """One stack frame (in-app unless said otherwise)."""

    path: str  # e.g. "shop/payments.py" (SDK, relative) or "/app/shop/payments.py" (log traceback)
    function: str
    context_line: str
    lineno: int = 10
    module: str | None = None
    in_app: bool = True
    pre_context: tuple[str, ...] = ()


def add_event(
    con: duckdb.DuckDBPyConnection,
    event_id: str,
    *,
    ts: datetime,
    exc_type: str | None,
    value: str | None = None,
    frames: list[F] = (),
    cause: tuple[str, str, list[F]] | None = None,
    release: str | None = "shop@1.0.0",
    service: str | None = "shop",
    environment: str = "production",
    origin: str = "sentry",
    trace_id: str | None = None,
    message: str | None = None,
    level: str = "error",
) -> None:
    con.execute(
        "INSERT INTO core.events (event_id, origin, platform, level, ts, release, environment, service,"
        " message, exception_type, exception_value, trace_id, file_id, ingested_at)"
        " VALUES (?, ?, 'python', ?, ?, ?, ?, ?, ?, ?, ?, ?, 'test-file', ?)",
        [event_id, origin, level, ts, release, environment, service, message, exc_type, value, trace_id, NOW],
    )
    chain = ([cause] if cause else []) + ([(exc_type, value, list(frames))] if exc_type else [])
    for idx, (etype, evalue, eframes) in enumerate(chain):
        con.execute(
            "INSERT INTO core.exceptions (event_id, exception_index, is_main, type, value, handled)"
            " VALUES (?, ?, ?, ?, ?, false)",
            [event_id, idx, idx == len(chain) - 1, etype.rsplit(".", 1)[-1], evalue],
        )
        for fidx, f in enumerate(eframes):
            con.execute(
                "INSERT INTO core.frames (event_id, exception_index, frame_index, is_innermost, filename,"
                " abs_path, module, function, lineno, context_line, pre_context, in_app)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [event_id, idx, fidx, fidx == len(eframes) - 1, f.path.lstrip("/").removeprefix("app/"),
                 f.path if f.path.startswith("/") else "/app/" + f.path, f.module, f.function, f.lineno,
                 f.context_line, list(f.pre_context), f.in_app],
            )  # fmt: skip


def add_log_record(
    con, record_id: str, *, ts: datetime, message: str, level: str = "ERROR", service: str = "shop",
    template_id: str | None = None, template: str | None = None, event_id: str | None = None,
    trace_id: str | None = None,
) -> None:  # fmt: skip
    con.execute(
        "INSERT INTO core.log_records (record_id, format, ts, level, service, message, trace_id, event_id,"
        " file_id, line_no, line_count, ingested_at) VALUES (?, 'jsonl', ?, ?, ?, ?, ?, ?, 'test-log', 1, 1, ?)",
        [record_id, ts, level, service, message, trace_id, event_id, NOW],
    )
    if template_id:
        con.execute(
            "INSERT INTO core.log_templates (template_id, template, line_count, first_seen, last_seen)"
            " VALUES (?, ?, 1, ?, ?) ON CONFLICT DO UPDATE"
            " SET line_count = line_count + 1, last_seen = greatest(last_seen, excluded.last_seen)",
            [template_id, template or message, ts, ts],
        )
        con.execute(
            "INSERT INTO core.log_record_templates (record_id, template_id) VALUES (?, ?)", [record_id, template_id]
        )


def add_incident(
    con, incident_id: str, *, started_at: datetime, resolved_at: datetime | None = None, title: str = "incident",
    services: list[str] = (), trace_ids: list[str] = (), error_messages: list[str] = (),
    fingerprints: list[str] = (), summary: str | None = None,
) -> None:  # fmt: skip
    con.execute(
        "INSERT INTO core.incidents (incident_id, title, started_at, resolved_at, services, summary, trace_ids,"
        " error_messages, fingerprints, file_id, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'test-inc', ?)",
        [incident_id, title, started_at, resolved_at, list(services), summary, list(trace_ids),
         list(error_messages), list(fingerprints), NOW],
    )  # fmt: skip


def fingerprint(con, config=None) -> None:
    """Fill core.event_fingerprints with the signatures stage's own function."""
    from models.config import Config
    from models.signatures import fingerprint_events

    fingerprint_events(con, config or Config())


# Frames reused across tests -------------------------------------------------------------------
def checkout_frames(wrapper: str = "checkout", line_shift: int = 0) -> list[F]:
    """A ReadTimeout in payments.charge called by a view (the view is the 'wrapper')."""
    return [
        F("shop/views.py", wrapper, "result = charge(order)", 40 + line_shift, "shop.views"),
        F("shop/payments.py", "charge", "resp = requests.get(PROVIDER_URL + order.id)", 12 + line_shift,
          "shop.payments"),
        F("/usr/lib/python3.11/site-packages/requests/api.py", "get", "return request('get', url)", 73,
          "requests.api", in_app=False),
    ]  # fmt: skip


def sql_frames() -> list[F]:
    return [
        F("shop/views.py", "search", "rows = find_products(term)", 80, "shop.views"),
        F("shop/catalog.py", "find_products", 'cur.execute(f"SELECT * FROM products WHERE name = \'{term}\'")',
          21, "shop.catalog"),
    ]  # fmt: skip


def add_log_traceback_event(con, event_id: str, traceback_text: str, *, ts: datetime, **kwargs) -> None:
    """An origin='log' event from a traceback printed in a log, parsed by the sources stage's parser."""
    from models.sources.tracebacks import parse_traceback

    chain = parse_traceback(traceback_text)
    assert chain, "not a traceback"

    def frames(exc) -> list[F]:
        return [F(f.abs_path, f.function or "?", f.context_line or "", f.lineno or 0, f.module, f.in_app)
                for f in exc.frames]  # fmt: skip

    main = chain[-1]
    qual = f"{main.module}.{main.type}" if main.module else main.type
    cause = (chain[-2].type, chain[-2].value, frames(chain[-2])) if len(chain) > 1 else None
    add_event(con, event_id, ts=ts, exc_type=qual, value=main.value, frames=frames(main), cause=cause,
              origin="log", **kwargs)  # fmt: skip


def clone_event(con, source_id: str, copies: list[tuple[str, datetime]]) -> None:
    """Copies of an event (with its exceptions and frames) under new ids and times, in three statements."""
    ids = [c[0] for c in copies]
    times = [c[1] for c in copies]
    con.execute("CREATE OR REPLACE TEMP TABLE _copies AS SELECT unnest(?::VARCHAR[]) AS new_id, unnest(?::TIMESTAMP[]) AS new_ts",
                [ids, times])  # fmt: skip
    con.execute(
        "INSERT INTO core.events SELECT e.* REPLACE (c.new_id AS event_id, c.new_ts AS ts)"
        " FROM core.events e, _copies c WHERE e.event_id = ?",
        [source_id],
    )
    con.execute(
        "INSERT INTO core.exceptions SELECT x.* REPLACE (c.new_id AS event_id) FROM core.exceptions x, _copies c"
        " WHERE x.event_id = ?",
        [source_id],
    )
    con.execute(
        "INSERT INTO core.frames SELECT f.* REPLACE (c.new_id AS event_id) FROM core.frames f, _copies c WHERE f.event_id = ?",
        [source_id],
    )
    con.execute("DROP TABLE _copies")
