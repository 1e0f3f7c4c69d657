"""OpenTelemetry OTLP/HTTP requests (logs, traces; protobuf or JSON) -> JSON-lines log records.

The live server turns each accepted request into JSON lines for the logs landing folder, which the
existing JSON-lines log reader loads (`logs.py`: its alias table knows `timestamp`, `level`,
`logger`, `message`, `exception`, `trace_id`, `service`, `release`, `environment`; every other key
lands in `attributes`). So:

- a log record -> one line (body as message, severity as level, scope name as logger, resource
  `service.name` / `service.version` / `deployment.environment(.name)` as service / release /
  environment, trace and span ids as hex);
- an exception log record (`exception.type`, `exception.message`, `exception.stacktrace`) -> the
  same line with the stack trace in `exception`: the log reader turns it into an error event through
  the traceback parser (`tracebacks.py`), keeping trace and span ids;
- an exception span event -> such a line too (what OpenTelemetry's own migration of exceptions to log
  records, `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN=logs`, emits), with the span's trace and span ids;
  other spans and span events are counted, not stored.

OTLP/JSON pitfall: ids are hex strings there, but protobuf's JSON parser reads `bytes` fields as
base64 and would yield wrong ids; they are converted to base64 first (`_hex_ids_to_base64`).
The lines are deterministic for the same request: an exporter's retry of a request whose answer was
lost dedups on the log record id (md5 of the line and its occurrence in the file) when the retry lands
in another spool segment; within one segment identical lines count as repeated records.
"""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from models.errors import InputError

_ID_KEYS = {"traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id"}
_HEX = re.compile(r"[0-9a-fA-F]*")
_EXC_KEYS = ("exception.type", "exception.message", "exception.stacktrace", "exception.escaped")
_RESOURCE_COLUMNS = ("service.name", "service.version", "deployment.environment", "deployment.environment.name")


class OtlpError(InputError, ValueError):
    """Not a valid OTLP request (HTTP 400, not retryable)."""


@dataclass
class OtlpLines:
    data: bytes  # JSON lines for the logs spool
    counts: Counter = field(default_factory=Counter)


def _hex_ids_to_base64(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _ID_KEYS and isinstance(value, str) and len(value) % 2 == 0 and _HEX.fullmatch(value):
                node[key] = base64.b64encode(bytes.fromhex(value)).decode()
            else:
                _hex_ids_to_base64(value)
    elif isinstance(node, list):
        for value in node:
            _hex_ids_to_base64(value)
    return node


def parse_request(body: bytes, content_type: str, kind: str):
    """The protobuf request message of `kind` ('logs' | 'traces') from a protobuf or JSON body."""
    message = ExportLogsServiceRequest() if kind == "logs" else ExportTraceServiceRequest()
    if "json" in (content_type or "").lower():
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise OtlpError(f"invalid JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise OtlpError("the JSON body is not an object")
        try:
            json_format.ParseDict(_hex_ids_to_base64(doc), message, ignore_unknown_fields=True)
        except (json_format.ParseError, ValueError, TypeError) as exc:
            raise OtlpError(f"not an OTLP {kind} request: {exc}") from exc
        return message
    try:
        message.ParseFromString(body)
    except DecodeError as exc:
        raise OtlpError(f"not an OTLP {kind} protobuf message: {exc}") from exc
    return message


def response_body(kind: str, as_json: bool) -> bytes:
    if as_json:
        return b"{}"
    return (ExportLogsServiceResponse() if kind == "logs" else ExportTraceServiceResponse()).SerializeToString()


def any_value(v):
    which = v.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return [any_value(x) for x in v.array_value.values]
    if which == "kvlist_value":
        return {kv.key: any_value(kv.value) for kv in v.kvlist_value.values}
    if which == "bytes_value":
        return v.bytes_value.hex()
    return getattr(v, which)


def attributes(kvs) -> dict:
    return {kv.key: any_value(kv.value) for kv in kvs}


def _iso(nanos: int) -> str | None:
    if not nanos:
        return None
    seconds, rest = divmod(int(nanos), 1_000_000_000)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{rest // 1000:06d}Z"


def _resource_fields(resource_attrs: dict) -> dict:
    out = {
        "service": resource_attrs.get("service.name"),
        "release": resource_attrs.get("service.version"),
        "environment": resource_attrs.get("deployment.environment.name") or resource_attrs.get("deployment.environment"),
    }
    rest = {k: v for k, v in resource_attrs.items() if k not in _RESOURCE_COLUMNS}
    if rest:
        out["resource"] = rest
    return out


def _exception_fields(attrs: dict) -> dict:
    out = {}
    if attrs.get("exception.stacktrace"):
        out["exception"] = attrs["exception.stacktrace"]
    if attrs.get("exception.type"):
        out["exception.type"] = str(attrs["exception.type"])
    if attrs.get("exception.message") is not None:
        out["exception.message"] = str(attrs["exception.message"])
    return out


def _line(fields: dict) -> bytes:
    return json.dumps({k: v for k, v in fields.items() if v is not None and v != {}},
                      ensure_ascii=False, separators=(",", ":"), default=str).encode() + b"\n"


def _id(raw: bytes) -> str | None:
    return raw.hex() if raw and any(raw) else None


def log_lines(request: ExportLogsServiceRequest, received: str) -> OtlpLines:
    out, counts = [], Counter()
    for rl in request.resource_logs:
        resource = _resource_fields(attributes(rl.resource.attributes))
        for sl in rl.scope_logs:
            for rec in sl.log_records:
                attrs = attributes(rec.attributes)
                exc = _exception_fields(attrs)
                counts["exception_log_record" if exc else "log_record"] += 1
                body = any_value(rec.body)
                if body is None and exc:
                    body = f"{exc.get('exception.type', 'Exception')}: {exc.get('exception.message', '')}"
                out.append(_line({
                    "timestamp": _iso(rec.time_unix_nano) or _iso(rec.observed_time_unix_nano) or received,
                    "level": rec.severity_text or (rec.severity_number or None),
                    "logger": sl.scope.name or None,
                    "message": body if isinstance(body, str) or body is None else json.dumps(body, default=str),
                    **resource,
                    "trace_id": _id(rec.trace_id),
                    "span_id": _id(rec.span_id),
                    **exc,
                    "attributes": {k: v for k, v in attrs.items() if k not in _EXC_KEYS},
                    "otel.signal": "log",
                }))
    return OtlpLines(b"".join(out), counts)


def trace_lines(request: ExportTraceServiceRequest, received: str) -> OtlpLines:
    out, counts = [], Counter()
    for rs in request.resource_spans:
        resource = _resource_fields(attributes(rs.resource.attributes))
        for ss in rs.scope_spans:
            for span in ss.spans:
                counts["span"] += 1
                for ev in span.events:
                    if ev.name != "exception":
                        counts["span_event"] += 1
                        continue
                    counts["exception_span_event"] += 1
                    attrs = attributes(ev.attributes)
                    exc = _exception_fields(attrs)
                    out.append(_line({
                        "timestamp": _iso(ev.time_unix_nano) or _iso(span.end_time_unix_nano) or received,
                        "level": "error",
                        "logger": ss.scope.name or None,
                        "message": f"{exc.get('exception.type', 'Exception')}: {exc.get('exception.message', '')}",
                        **resource,
                        "trace_id": _id(span.trace_id),
                        "span_id": _id(span.span_id),
                        **exc,
                        "attributes": {k: v for k, v in attrs.items() if k not in _EXC_KEYS},
                        "span.name": span.name,
                        "otel.signal": "span_event",
                    }))
    return OtlpLines(b"".join(out), counts)
