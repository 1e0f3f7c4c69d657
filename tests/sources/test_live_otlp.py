"""The real OpenTelemetry SDK with its OTLP/HTTP exporters sends logs (one with an exception) and a span
with an exception event to a real `hindsight serve`; after one `hindsight run` the log records are in
core.log_records and both exceptions are error events with frames, keeping trace and span ids. OTLP/JSON
with hex ids (the base64 pitfall) and bad OTLP bodies are checked too."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import duckdb
import pytest
from live_world import auth, post

APP = textwrap.dedent('''
    import json, logging, sys
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter

    url, key = sys.argv[1], sys.argv[2]
    headers = {"x-sentry-auth": f"sentry sentry_key={key}"}
    resource = Resource.create({"service.name": "orders", "service.version": "3.1.0",
                                "deployment.environment.name": "production"})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url + "/v1/traces", headers=headers)))
    trace.set_tracer_provider(tracer_provider)
    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter(endpoint=url + "/v1/logs", headers=headers)))
    log = logging.getLogger("orders.api")
    log.setLevel(logging.INFO)
    log.addHandler(LoggingHandler(level=logging.INFO, logger_provider=logger_provider))
    tracer = trace.get_tracer("orders.worker")

    def load_order(order_id):
        return {"id": order_id}["price"]

    out = {}
    with tracer.start_as_current_span("GET /orders/{id}") as span:
        ctx = span.get_span_context()
        out["log_trace_id"], out["log_span_id"] = f"{ctx.trace_id:032x}", f"{ctx.span_id:016x}"
        log.info("order %s loaded", 41)
        try:
            load_order(42)
        except KeyError:
            log.exception("could not price order 42")
    with tracer.start_as_current_span("price-order") as span:
        ctx = span.get_span_context()
        out["span_trace_id"], out["span_span_id"] = f"{ctx.trace_id:032x}", f"{ctx.span_id:016x}"
        try:
            load_order(43)
        except KeyError as exc:
            span.record_exception(exc)
    tracer_provider.force_flush()
    logger_provider.force_flush()
    tracer_provider.shutdown()
    logger_provider.shutdown()
    print(json.dumps(out))
''')


@pytest.mark.slow
def test_otel_sdk_logs_and_exception_span_event_arrive(live, tmp_path):
    _, key, project = live.create_key("orders")
    live.start()
    app = tmp_path / "otel_app.py"
    app.write_text(APP)
    child = subprocess.run([sys.executable, str(app), live.url, key], check=False, capture_output=True, text=True,
                           timeout=120)
    assert child.returncode == 0, child.stderr
    ids = json.loads(child.stdout.strip().splitlines()[-1])

    # OTLP/JSON: ids are hex there (protobuf's JSON parser would read them as base64)
    trace_hex, span_hex = "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174"
    doc = {"resourceLogs": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "edge"}}]},
           "scopeLogs": [{"scope": {"name": "edge.proxy"}, "logRecords": [{
               "timeUnixNano": "1733400000000000000", "severityText": "WARN", "body": {"stringValue": "upstream slow"},
               "traceId": trace_hex, "spanId": span_hex,
               "attributes": [{"key": "http.route", "value": {"stringValue": "/v1/items"}}]}]}]}]}
    status, _headers, body = post(f"{live.url}/v1/logs", json.dumps(doc).encode(),
                                 {**auth(key), "Content-Type": "application/json"})
    assert status == 200 and json.loads(body) == {}
    # bad OTLP bodies: not retryable (400), nothing stored
    assert post(f"{live.url}/v1/logs", b"{not json", {**auth(key), "Content-Type": "application/json"})[0] == 400
    assert post(f"{live.url}/v1/traces", b"\xff\xff\xff", {**auth(key), "Content-Type": "application/x-protobuf"})[0] == 400
    assert post(f"{live.url}/v1/logs", b"{}", {"Content-Type": "application/json"})[0] == 401
    # Sentry's own OTLP path with the project in it
    doc["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["body"]["stringValue"] = "upstream slow again"
    assert post(f"{live.url}/api/{project}/integration/otlp/v1/logs", json.dumps(doc).encode(),
                {**auth(key), "Content-Type": "application/json"})[0] == 200

    health = live.health()
    assert health["items"]["otlp_exception_span_event"] == 1 and health["items"]["otlp_exception_log_record"] == 1
    live.stop()
    live.cli("run", "--select", "group:sources")

    con = duckdb.connect(str(live.warehouse), read_only=True)
    try:
        logs = con.execute(
            "SELECT message, level, logger, service, trace_id, event_id FROM core.log_records ORDER BY ts, message"
        ).fetchall()
        messages = [r[0] for r in logs]
        assert "order 41 loaded" in messages and "could not price order 42" in messages
        assert messages.count("upstream slow") == 1 and messages.count("upstream slow again") == 1
        edge = next(r for r in logs if r[0] == "upstream slow")
        assert edge[4] == trace_hex and edge[3] == "edge" and edge[1] == "warning" and edge[2] == "edge.proxy"
        info = next(r for r in logs if r[0] == "order 41 loaded")
        assert info[3] == "orders" and info[4] == ids["log_trace_id"] and info[5] is None

        events = con.execute(
            "SELECT e.origin, e.exception_type, e.trace_id, e.span_id, e.service, e.release, e.environment, "
            "count(f.frame_index), max(f.function) FILTER (WHERE f.is_innermost) "
            "FROM core.events e JOIN core.frames f USING (event_id) GROUP BY ALL ORDER BY e.span_id"
        ).fetchall()
        assert len(events) == 2
        by_span = {e[3]: e for e in events}
        for span in (ids["log_span_id"], ids["span_span_id"]):
            origin, exc_type, _trace_id, _, service, release, env, n_frames, innermost = by_span[span]
            assert origin == "log" and exc_type == "KeyError" and n_frames >= 1 and innermost == "load_order"
            assert service == "orders" and release == "3.1.0" and env == "production"
        assert by_span[ids["log_span_id"]][2] == ids["log_trace_id"]
        assert by_span[ids["span_span_id"]][2] == ids["span_trace_id"]
    finally:
        con.close()
