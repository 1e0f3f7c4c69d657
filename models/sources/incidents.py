"""Incident exports (CSV or JSON) -> core.incidents.

Accepted shapes: a CSV with a header row, a JSON array of objects, or a JSON object holding the
list under `incidents`, `data`, `items` or `results` (PagerDuty, incident.io, Opsgenie, FireHydrant,
Jira-ish). Column names are normalised (lower case, non-alphanumerics -> `_`) and matched against
the alias table `FIELDS` (documented in sql/reference/11_logs_incidents.md). Nested values such as
`{"severity": {"name": "SEV1"}}` or `[{"name": "checkout"}]` are read through their name/summary.

Python only scrubs each row (as one record: a secret seen in any column is hidden in every column)
and maps its keys to the canonical fields (exports hold hundreds or thousands of rows); time parsing,
severity ranks, trace-id extraction and de-duplication run in DuckDB
(`sql/queries/sources/stage_incidents.sql`, `insert_incidents.sql`).

De-duplication: the incident id is the key. The first row seen wins (within a file, the earliest
row; across files, the earliest load); later rows with the same id count as duplicates and do not
update the stored incident (re-exports are usually snapshots of the same incidents).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from models.sources.ledger import FileLoad, Reject
from models.sources.logformat import text_timestamp_sql
from models.sources.reader import TruncatedStream, iter_blocks
from models.sources.scrub import scrub_json
from models.warehouse import execute, read_sql

# canonical field -> accepted (normalised) column names / keys, first present non-empty wins
FIELDS: dict[str, tuple[str, ...]] = {
    "incident_id": (
        "incident_id",
        "id",
        "incident_key",
        "key",
        "issue_key",
        "reference",
        "incident_number",
        "number",
        "tinyid",
        "tiny_id",
        "ticket",
        "ticket_id",
    ),
    "title": (
        "title",
        "name",
        "incident_title",
        "incident_name",
        "message",
        "subject",
        "headline",
        "summary",
    ),  # summary: Jira's title
    "severity": ("severity", "sev", "priority", "urgency", "severity_name", "incident_severity", "impact"),
    "status": ("status", "state", "current_milestone", "incident_status", "status_category", "resolution"),
    "started_at": (
        "started_at",
        "start",
        "start_time",
        "started",
        "impact_start_date",
        "impactstartdate",
        "detected_at",
        "declared_at",
        "triggered_at",
        "opened_at",
        "reported_at",
        "created_at",
        "created",
        "createdat",
        "timestamp",
    ),
    "resolved_at": (
        "resolved_at",
        "resolved",
        "end",
        "end_time",
        "ended_at",
        "impact_end_date",
        "impactenddate",
        "mitigated_at",
        "closed_at",
        "closed",
        "resolution_date",
        "resolutiondate",
    ),
    "services": (
        "services",
        "service",
        "affected_services",
        "impacted_services",
        "impactedservices",
        "service_name",
        "services_impacted",
        "components",
        "component",
        "component_s",
        "functionalities",
    ),
    "summary": ("summary", "description", "customer_impact_summary", "details", "body", "what_happened"),
    "postmortem": (
        "postmortem",
        "postmortem_text",
        "post_mortem",
        "retrospective",
        "root_cause",
        "postmortem_body",
    ),
    "trace_ids": ("trace_ids", "trace_id", "traces", "traceid", "trace"),
    "error_messages": (
        "error_messages",
        "error_message",
        "errors",
        "error",
        "exception",
        "exception_message",
    ),
    "fingerprints": (
        "fingerprints",
        "fingerprint",
        "sentry_fingerprints",
        "issue_fingerprints",
        "signatures",
        "signature",
        "sentry_issues",
        "sentry_issue",
    ),
    "url": ("url", "html_url", "permalink", "link", "incident_url", "web_url", "self"),
}
LIST_FIELDS = ("services", "trace_ids", "error_messages", "fingerprints")
LIST_CONTAINERS = ("incidents", "data", "items", "results", "records")
MAX_BYTES = 256 << 20
_NAME_KEYS = ("name", "summary", "label", "title", "value", "slug", "id")
_SPLIT = re.compile(r"[;,\n]")


def normalise_key(key: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(key).strip().lower()).strip("_")


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        for k in _NAME_KEYS:
            if value.get(k) not in (None, ""):
                return _as_text(value[k])
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        parts = [t for t in (_as_text(v) for v in value) if t]
        return "; ".join(parts) if parts else None
    text = str(value).strip()
    return text or None


def _as_list(value, split: bool = True) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [t for t in (_as_text(v) for v in value) if t]
    text = _as_text(value)
    if not text:
        return []
    if split and isinstance(value, str):
        return [p.strip() for p in _SPLIT.split(text) if p.strip()]
    return [text]


def canonical_row(obj: dict) -> dict:
    """Map one exported row (keys already normalised) to the canonical fields; the rest -> attributes."""
    out: dict = {}
    used: set[str] = set()
    for name, aliases in FIELDS.items():
        for alias in aliases:
            if alias in used or alias not in obj:
                continue
            value = obj[alias]
            if value in (None, "", [], {}):
                continue
            used.add(alias)
            if name in LIST_FIELDS:
                out[name] = _as_list(value, split=name != "error_messages")
            else:
                out[name] = _as_text(value)
            break
    out["attributes"] = json.dumps(
        {k: v for k, v in obj.items() if k not in used and v not in (None, "")},
        ensure_ascii=False,
        default=str,
    )
    return out


def _read_text(load: FileLoad, path) -> tuple[str | None, bool]:
    """Decompressed text of the file (None when it is not UTF-8); truncated gzip -> what was read + a reject."""
    chunks: list[bytes] = []
    size = 0
    truncated = False
    try:
        for block in iter_blocks(path):
            chunks.append(block)
            size += len(block)
            if size > MAX_BYTES:
                raise ValueError(f"incident export larger than {MAX_BYTES >> 20} MB")
    except TruncatedStream as exc:
        load.quarantine([Reject(None, size, "truncated_gzip", f"stream ends early: {exc}", None)])
        truncated = True
    data = b"".join(chunks)
    try:
        return data.decode("utf-8-sig"), truncated
    except UnicodeDecodeError as exc:
        load.quarantine(
            [Reject(None, exc.start, "invalid_utf8", f"file is not UTF-8 (byte {exc.start})", data[:200])]
        )
        return None, truncated


def _csv_rows(text: str, truncated: bool) -> tuple[list[tuple[int, int, dict]], list[Reject]]:
    """(row_no, line_no, normalised dict) per data row; rows with extra fields are rejected."""
    if truncated:  # the last line was cut by the damage: drop it
        text = text[: text.rfind("\n") + 1]
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, rejects = [], []
    try:
        header = next(reader)
    except StopIteration:
        return [], []
    keys = [normalise_key(h) for h in header]
    line_no = reader.line_num + 1
    row_no = 0
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rejects.append(Reject(line_no, None, "malformed_csv", f"CSV error: {exc}", None))
            line_no = reader.line_num + 1
            continue
        start, line_no = line_no, reader.line_num + 1
        if not any(v.strip() for v in values):
            continue  # blank line
        row_no += 1
        if len(values) > len(keys):
            rejects.append(
                Reject(
                    start,
                    None,
                    "wrong_type",
                    f"row {row_no} has {len(values)} fields, header has {len(keys)}",
                    ",".join(values),
                )
            )
            continue
        obj: dict = {}
        for k, v in zip(keys, values):
            v = v.strip()
            if k in obj and obj[k] and v:  # repeated column (Jira "Component/s"): join
                obj[k] = f"{obj[k]}; {v}"
            elif v or k not in obj:
                obj[k] = v or None
        rows.append((row_no, start, obj))
    return rows, rejects


def _json_rows(text: str) -> tuple[list[tuple[int, int, dict]], list[Reject]]:
    try:
        doc = json.loads(text)
    except RecursionError:
        return [], [
            Reject(None, None, "too_deep", "export nests deeper than the JSON parser allows", text[:200])
        ]
    except json.JSONDecodeError as exc:
        return [], [
            Reject(
                exc.lineno,
                exc.pos,
                "malformed_json",
                f"export is not valid JSON: {exc.msg}",
                text[max(0, exc.pos - 100) : exc.pos + 100],
            )
        ]
    items = doc
    if isinstance(doc, dict):
        found = next((doc[k] for k in LIST_CONTAINERS if isinstance(doc.get(k), list)), None)
        items = found if found is not None else [doc]
    if not isinstance(items, list):
        return [], [
            Reject(
                None, None, "not_an_object", "export is neither a list nor an object of incidents", text[:200]
            )
        ]
    rows, rejects = [], []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            rejects.append(
                Reject(i, None, "not_an_object", f"item {i} is not an object", json.dumps(item)[:200])
            )
            continue
        rows.append((i, i, {normalise_key(k): v for k, v in item.items()}))
    return rows, rejects


def sniff_incident_format(text: str) -> str:
    return "json" if text.lstrip()[:1] in ("[", "{") else "csv"


_INCIDENT_TIME_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%d/%b/%y %I:%M %p",
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%Y-%m-%d",
)


def _ts_sql(col: str) -> str:
    fallback = "try_strptime(" + col + ", [" + ", ".join("'" + f + "'" for f in _INCIDENT_TIME_FORMATS) + "])"
    return f"COALESCE({text_timestamp_sql(col)}, {fallback})"


def load_incident_file(con: duckdb.DuckDBPyConnection, load: FileLoad, path, fmt: str | None = None) -> None:
    """Load one incident export inside the open file transaction (counts go to `load`)."""
    text, truncated = _read_text(load, path)
    if text is None:
        return
    fmt = fmt or sniff_incident_format(text)
    if fmt == "csv":
        rows, rejects = _csv_rows(text, truncated)
    elif fmt in ("json", "json_array"):
        rows, rejects = ([], []) if truncated else _json_rows(text)
    else:
        raise ValueError(f"{path}: unknown incident format {fmt!r} (expected 'csv' or 'json')")
    load.fmt = "csv" if fmt == "csv" else "json"
    load.quarantine(rejects)
    if not rows:
        return
    # each row is scrubbed as ONE record before anything is read from it: a secret seen in any column is
    # hidden in every column (incident exports are small: Python is fast enough here)
    rows = [(row_no, line_no, scrub_json(obj)) for row_no, line_no, obj in rows]
    canon = [canonical_row(obj) for _, _, obj in rows]
    cols = {
        "row_no": pa.array([r[0] for r in rows], pa.int64()),
        "line_no": pa.array([r[1] for r in rows], pa.int64()),
        "raw": pa.array([json.dumps(r[2], ensure_ascii=False, default=str) for r in rows], pa.string()),
    }
    for name in FIELDS:
        if name in LIST_FIELDS:
            cols[name] = pa.array([c.get(name, []) for c in canon], pa.list_(pa.string()))
        else:
            cols[name] = pa.array([c.get(name) for c in canon], pa.string())
    cols["attributes"] = pa.array([c["attributes"] for c in canon], pa.string())
    stage = read_sql("queries/sources/stage_incidents").format(
        started_expr=_ts_sql("started_at"), resolved_expr=_ts_sql("resolved_at")
    )
    execute(con, stage, _hs_incidents=pa.table(cols))
    bad = con.execute(read_sql("queries/sources/select_incident_problems")).fetchall()
    load.quarantine(
        [
            Reject(line_no, None, problem, f"row {row_no}: {detail}", raw)
            for row_no, line_no, problem, detail, raw in bad
        ]
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    valid, new = con.execute(read_sql("queries/sources/count_incidents_new")).fetchone()
    con.execute(read_sql("queries/sources/insert_incidents"), [load.file_id, now])
    load.add_loaded(new, valid - new)
    con.execute("DROP TABLE IF EXISTS incident_staged")
