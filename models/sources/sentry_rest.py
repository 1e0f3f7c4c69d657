"""Sentry's REST API event shape -> the ingest shape the batch query reads.

`GET /api/0/projects/{org}/{project}/events/{id}/` (and exports built on it) return an event as
`entries[]` (`{"type": "exception" | "breadcrumbs" | "request" | "message" | "threads" | "stacktrace",
"data": {...}}`) with `eventID`, `dateCreated`, `dateReceived`, `release` as an object, `tags` as
`[{"key", "value"}]`, `context` for extra data and frames in camelCase (`absPath`, `lineNo`, `colNo`,
`inApp`, `context` as `[[lineno, line], ...]`). Loaded as the ingest shape it would have no exception
and no frames, so the batch query (select_sentry_batch.sql) marks such records (`entries` is an array)
and sentry.py rewrites only those here, in Python (they are few: exports, not live traffic), then
loads them with the same query. The text was already scrubbed by then.
"""

from __future__ import annotations

import json

_FRAME_KEYS = {"absPath": "abs_path", "lineNo": "lineno", "colNo": "colno", "inApp": "in_app",
               "rawFunction": "raw_function", "instructionAddr": "instruction_addr"}
_TAG_FIELDS = ("environment", "level", "logger", "transaction", "server_name")


def _frame(frame: dict) -> dict:
    out = {_FRAME_KEYS.get(k, k): v for k, v in frame.items() if k != "context"}
    context = frame.get("context")
    lineno = out.get("lineno")
    if isinstance(context, list) and "context_line" not in out:
        pairs = [c for c in context if isinstance(c, list) and len(c) == 2 and isinstance(c[0], int)]
        if lineno is not None:
            out["pre_context"] = [c[1] for c in pairs if c[0] < lineno]
            out["post_context"] = [c[1] for c in pairs if c[0] > lineno]
            current = [c[1] for c in pairs if c[0] == lineno]
            if current:
                out["context_line"] = current[0]
    return out


def _stacktrace(stack) -> dict | None:
    if not isinstance(stack, dict):
        return None
    frames = stack.get("frames")
    return {"frames": [_frame(f) for f in frames if isinstance(f, dict)] if isinstance(frames, list) else []}


def _exception(value: dict) -> dict:
    out = {k: value.get(k) for k in ("type", "value", "module", "mechanism") if value.get(k) is not None}
    stack = _stacktrace(value.get("stacktrace"))
    if stack is not None:
        out["stacktrace"] = stack
    return out


def _tags(tags) -> dict:
    if isinstance(tags, dict):
        return tags
    out = {}
    for tag in tags if isinstance(tags, list) else []:
        if isinstance(tag, dict) and "key" in tag:
            out[str(tag["key"])] = tag.get("value")
        elif isinstance(tag, list) and len(tag) == 2:
            out[str(tag[0])] = tag[1]
    return out


def rest_to_ingest(event: dict) -> dict:
    """The ingest-shape event of one REST API event (dict in, dict out)."""
    tags = _tags(event.get("tags"))
    out: dict = {
        "event_id": event.get("eventID") or event.get("event_id") or event.get("id"),
        "timestamp": event.get("dateCreated") or event.get("timestamp"),
        "received": event.get("dateReceived"),
        "platform": event.get("platform"),
        "sdk": event.get("sdk") if isinstance(event.get("sdk"), dict) else None,
        "contexts": event.get("contexts") if isinstance(event.get("contexts"), dict) else None,
        "extra": event.get("context") if isinstance(event.get("context"), dict) else event.get("extra"),
        "tags": {k: v for k, v in tags.items() if k not in ("server_name",)},
    }
    release = event.get("release")
    out["release"] = (release.get("version") or release.get("shortVersion")) if isinstance(release, dict) else release
    for name in _TAG_FIELDS:
        value = event.get(name) if isinstance(event.get(name), str) else tags.get(name)
        if value is not None:
            out[name] = value
    if isinstance(event.get("message"), str) and event["message"].strip():
        out["message"] = event["message"]
    for entry in event.get("entries") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("data"), dict):
            continue
        kind, data = entry.get("type"), entry["data"]
        if kind == "exception":
            out["exception"] = {"values": [_exception(v) for v in data.get("values") or [] if isinstance(v, dict)]}
        elif kind == "breadcrumbs":
            out["breadcrumbs"] = {"values": data.get("values") or []}
        elif kind == "message":
            text = data.get("formatted") or data.get("message")
            if text:
                out["logentry"] = {"formatted": data.get("formatted"), "message": data.get("message")}
        elif kind == "threads":
            out["threads"] = {"values": [
                {**{k: t.get(k) for k in ("id", "name", "crashed", "current")}, "stacktrace": _stacktrace(t.get("stacktrace"))}
                for t in data.get("values") or [] if isinstance(t, dict)
            ]}
        elif kind == "stacktrace":
            out["stacktrace"] = _stacktrace(data)
        # "request", "debugmeta", "spans", ...: not kept (request data is not stored from any shape)
    return {k: v for k, v in out.items() if v is not None and v != {}}


def rewrite_rest_events(texts: list[str]) -> list[str]:
    """REST-shaped event texts -> ingest-shaped texts (a text that fails to parse is returned as is and
    is quarantined by the query as before)."""
    out = []
    for text in texts:
        try:
            out.append(json.dumps(rest_to_ingest(json.loads(text)), ensure_ascii=False))
        except (ValueError, TypeError, AttributeError):
            out.append(text)
    return out
