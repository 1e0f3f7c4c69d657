"""Logs and incidents of the demo world, written next to the Sentry envelopes.

- `logs/shop-api.jsonl`, `logs/shop-worker.jsonl`: the structured records the services logged
  during the traffic run (real records, with full tracebacks when an error was logged);
- `logs/shop-api.log` (+ the October part rotated into `shop-api-2026-10.log.gz`): the same API
  records as plain text `<Date> <Time> <Level> <Component>: <Content>` with multi-line
  tracebacks, mixed with the noisy normal traffic a real service logs (health checks, pool stats);
- `incidents/incidents.csv` + `incidents/INC-2050.json`: an incident tool's export referencing
  some of the failures by trace id and error message.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import datetime, timedelta
from pathlib import Path
from random import Random

NOISE = [
    ("INFO", "gunicorn.access", '10.0.{a}.{b} - - "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.31"'),
    ("INFO", "gunicorn.error", "Booting worker with pid: {pid}"),
    ("DEBUG", "shop.db.pool", "pool stats size=8 checked_out={a} overflow=0 waiters=0"),
    ("INFO", "shop.cache", "price cache hit ratio={r} entries={b}"),
    ("WARNING", "shop.db.slow", "slow query {ms}ms: SELECT id, status, total_cents FROM orders WHERE status = ?"),
    ("INFO", "shop.access", "GET /api/catalog?page={a} 200 {ms}ms"),
    ("INFO", "shop.access", "GET /api/orders/{pid} 200 {ms}ms"),
    ("INFO", "shop.metrics", "flushed {b} metrics to statsd in {ms}ms"),
]


def _fmt_ts(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def _plain_ts(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S,") + f"{ts.microsecond // 1000:03d}"


def _json_record(r: dict) -> str:
    out = {"timestamp": _fmt_ts(r["timestamp"]), "level": r["level"], "logger": r["logger"],
           "message": r["message"], "service": r["service"], "release": r["release"],
           "trace_id": r["trace_id"], "span_id": r["span_id"]}
    if r.get("exception"):
        out["exception"] = r["exception"]
    out.update({k: v for k, v in r.items() if k not in out and k not in ("timestamp", "exception") and v is not None})
    return json.dumps(out, default=str)


def _plain(r: dict) -> str:
    head = f"{_plain_ts(r['timestamp'])} {r['level']} {r['logger']}: {r['message']}"
    return head + ("\n" + r["exception"] if r.get("exception") else "")


def write_logs(logs_dir: Path, records: list[dict], seed: int, start: datetime, end: datetime) -> dict:
    """Write the JSONL and plain-text logs; returns line counts per file."""
    counts = {}
    records = sorted(records, key=lambda r: (r["timestamp"], r["service"]))
    for service in ("shop-api", "shop-worker"):
        lines = [_json_record(r) for r in records if r["service"] == service]
        (logs_dir / f"{service}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        counts[f"{service}.jsonl"] = len(lines)

    rng = Random(seed * 101 + 3)
    noise = []
    t = start
    while t < end:
        t += timedelta(seconds=rng.expovariate(1 / 300))
        level, comp, tmpl = rng.choice(NOISE)
        msg = tmpl.format(a=rng.randint(0, 40), b=rng.randint(1, 4000), pid=rng.randint(1000, 99999),
                          ms=rng.randint(1, 1900), r=f"{rng.uniform(0.6, 0.99):.2f}")
        noise.append({"timestamp": t.replace(microsecond=rng.randrange(1000) * 1000), "level": level,
                      "logger": comp, "message": msg})
    api = [r for r in records if r["service"] == "shop-api"] + noise
    api.sort(key=lambda r: r["timestamp"])
    cut = datetime(2026, 11, 1, tzinfo=start.tzinfo)
    october = "\n".join(_plain(r) for r in api if r["timestamp"] < cut) + "\n"
    november = "\n".join(_plain(r) for r in api if r["timestamp"] >= cut) + "\n"
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz:  # mtime=0: reproducible bytes
        gz.write(october.encode("utf-8"))
    (logs_dir / "shop-api-2026-10.log.gz").write_bytes(buf.getvalue())
    (logs_dir / "shop-api.log").write_text(november, encoding="utf-8")
    counts["shop-api-2026-10.log.gz"] = october.count("\n")
    counts["shop-api.log"] = november.count("\n")
    return counts


def _first(events, bug_id, after=None, n=1):
    out = [e for e in events if e["bug_id"] == bug_id and (after is None or e["ts"] >= after)]
    out.sort(key=lambda e: e["ts"])
    return out[:n]


def write_incidents(inc_dir: Path, events: list[dict], period, releases) -> list[dict]:
    """Incidents an on-call team filed during the period, referencing some failures."""
    rel = {r.version: r for r in releases}
    incidents = []

    def add(iid, title, sev, status, evs, resolved, summary, services, extra_msgs=()):
        if not evs:
            return
        started = evs[0]["ts"] - timedelta(minutes=4)
        trace_ids = [e["trace_id"] for e in evs[:3]]
        msgs = [f"{evs[0]['type']}: {evs[0]['value']}", *extra_msgs]
        incidents.append({
            "id": iid, "title": title, "severity": sev, "status": status,
            "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "resolved_at": resolved.strftime("%Y-%m-%dT%H:%M:%SZ") if resolved else "",
            "services": services, "summary": summary.format(trace=trace_ids[0]), "trace_ids": trace_ids,
            "error_messages": msgs, "url": f"https://incidents.shop.example/{iid}",
            "bug_ids": sorted({e["bug_id"] for e in evs}),
        })

    b1_early = _first(events, "B01", n=3)
    add("INC-2032", "Shipping quotes hang, API workers saturated", "SEV2", "resolved", b1_early,
        rel["1.2.0"].start + timedelta(minutes=30),
        "Carrier quote calls never returned; gunicorn workers piled up until the load balancer dropped "
        "connections. Example trace {trace}. Fixed by adding a timeout (release 1.2.0).", ["shop-api"])
    s0, s1 = period.spike
    storm = [e for e in events if e["bug_id"] == "B02" and s0 <= e["ts"] <= s1]
    add("INC-2041", "Checkout failing: payment provider 503s, retries exhausted", "SEV1", "resolved", storm,
        s1 + timedelta(minutes=40),
        "Postmortem: the provider was degraded; our charge retries fired with no backoff and amplified the "
        "load (retry storm). Trace {trace}. Action item: exponential backoff on charge retries.", ["shop-api"])
    add("INC-2044", "Export worker crash loop: Too many open files", "SEV3", "investigating", _first(events, "B06", n=2),
        None, "shop-worker restarts every few hours; exports fail with EMFILE. Trace {trace}.", ["shop-worker"])
    add("INC-2047", "Shipping quotes hanging again after 1.4.0", "SEV2", "investigating",
        _first(events, "B01", after=rel["1.4.0"].start, n=3), None,
        "Regression of INC-2032 after the HTTP client refactor in 1.4.0. Trace {trace}.", ["shop-api"])
    injection = [e for e in events if e["bug_id"] == "B09" and "Ignore previous" in (e["value"] or "")]
    add("INC-2049", "Monthly report job failing", "SEV4", "resolved", injection[:2] or _first(events, "B09", n=2),
        rel["1.4.0"].start + timedelta(hours=2),
        "Report compression fails for titles with spaces. Trace {trace}.", ["shop-worker"])
    incidents.append({
        "id": "INC-2038", "title": "Elevated latency on catalog service", "severity": "SEV3", "status": "resolved",
        "started_at": (period.start + timedelta(days=9, hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resolved_at": (period.start + timedelta(days=9, hours=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "services": ["catalog"], "summary": "Upstream database failover at the catalog team; no action for shop.",
        "trace_ids": [], "error_messages": [], "url": "https://incidents.shop.example/INC-2038", "bug_ids": [],
    })
    refund = _first(events, "B07", n=2)
    json_inc = None
    if refund:
        json_inc = {"id": "INC-2050", "title": "Refund requests fail with HTTP 500", "severity": "SEV3",
                    "status": "open", "started_at": refund[0]["ts"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "resolved_at": None, "services": ["shop-api"],
                    "summary": "Every refund of an order paid after 1.1.0 fails; see trace "
                               f"{refund[0]['trace_id']}.",
                    "trace_ids": [e["trace_id"] for e in refund],
                    "error_messages": [f"{refund[0]['type']}: {refund[0]['value']}"],
                    "url": "https://incidents.shop.example/INC-2050", "bug_ids": ["B07"]}
        (inc_dir / "INC-2050.json").write_text(json.dumps(json_inc, indent=2) + "\n", encoding="utf-8")
    incidents.sort(key=lambda i: i["started_at"])
    with (inc_dir / "incidents.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "severity", "status", "started_at", "resolved_at", "services", "summary",
                    "trace_ids", "error_messages", "url"])
        for i in incidents:
            w.writerow([i["id"], i["title"], i["severity"], i["status"], i["started_at"], i["resolved_at"],
                        ",".join(i["services"]), i["summary"], " ".join(i["trace_ids"]),
                        " | ".join(i["error_messages"]), i["url"]])
    return incidents + ([json_inc] if json_inc else [])
