"""`--scale K`: replicate the real captured events and log records for volume benchmarks.

Each real event becomes a JSON template (slimmed: no breadcrumbs, source context only around the
crash frame) with slots for event id, time, trace id and the number in the exception message;
replicas fill the slots from NumPy-generated arrays chunk by chunk, each chunk written to its own
`sentry/scaled-NNN.ndjson`, so memory stays bounded. Times are the original time jittered by up to
±3 h, clipped to the window its release was deployed in, so release and spike shapes survive.
K=1 writes nothing; K>1 writes (K-1) x (real events) events and as many JSONL log lines.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

CHUNK = 20_000
_NUM = re.compile(r"\d{2,}")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _write(path: Path, lines: list[bytes]) -> None:
    with path.open("wb") as fh:
        fh.write(b"\n".join(lines))
        fh.write(b"\n")


def read_envelope(path: Path) -> list[tuple[dict, dict, dict]]:
    """(envelope header, item header, payload) for every item of a file of sentry envelopes."""
    data = path.read_bytes()
    out, pos = [], 0
    while pos < len(data):
        nl = data.find(b"\n", pos)
        if nl < 0:
            break
        line = data[pos:nl]
        pos = nl + 1
        if not line.strip():
            continue
        env_header = json.loads(line)
        while pos < len(data):
            nl = data.find(b"\n", pos)
            item_header = json.loads(data[pos:nl])
            pos = nl + 1
            length = item_header.get("length")
            if length is None:
                nl = data.find(b"\n", pos)
                payload, pos = data[pos:nl], nl + 1
            else:
                payload, pos = data[pos:pos + length], pos + length + 1
            out.append((env_header, item_header, json.loads(payload)))
            # one event item per envelope from sentry-sdk's capture_event
            break
    return out


def _slim(event: dict) -> dict:
    ev = {k: v for k, v in event.items() if k not in ("breadcrumbs", "_meta")}
    ev = json.loads(json.dumps(ev))
    frames = [f for exc in ev.get("exception", {}).get("values", []) for f in exc.get("stacktrace", {}).get("frames", [])]
    crash = ([f for f in frames if f.get("in_app")] or [None])[-1]
    for f in frames:  # source context only around the crash line (keeps replicas ~2.5 kB)
        if f is not crash:
            f.pop("pre_context", None)
            f.pop("post_context", None)
    if "request" in ev:
        ev["request"].get("headers", {}).pop("X-Request-Id", None)
    return ev


def _template(event: dict) -> list[str]:
    """The event as JSON text split at its slots: text parts at even, slot names at odd positions."""
    ev = _slim(event)
    ev["event_id"] = "\x00EID\x00"
    ev["timestamp"] = "\x00TS\x00"
    ev.setdefault("contexts", {}).setdefault("trace", {})["trace_id"] = "\x00TRACE\x00"
    main = (ev.get("exception", {}).get("values") or [None])[-1]
    if main and isinstance(main.get("value"), str) and _NUM.search(main["value"]):
        m = _NUM.search(main["value"])
        main["value"] = main["value"][:m.start()] + f"\x00NUM{len(m.group())}\x00" + main["value"][m.end():]
    text = json.dumps(ev, separators=(",", ":"))
    parts = re.split(r"\\u0000", text)
    return [x.encode() if i % 2 == 0 else x for i, x in enumerate(parts)]


def _times(base_s: np.ndarray, lo_s: np.ndarray, hi_s: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    t = base_s + rng.integers(-3 * 3600_000, 3 * 3600_000, size=base_s.shape[0]) / 1000.0
    return np.clip(t, lo_s + 1, hi_s - 1)


def _iso(seconds: np.ndarray) -> np.ndarray:
    ms = np.round(seconds * 1000).astype("int64").astype("datetime64[ms]")
    return np.char.add(np.datetime_as_string(ms, unit="ms"), "Z")


_JOB: dict = {}


def _init_worker(job: dict) -> None:
    _JOB.clear()
    _JOB.update(job)


def _map_chunks(fn, job: dict, chunks: list) -> list:
    """Run `fn` over the chunks.

    Each chunk draws from its own generator seeded with (seed, chunk number), so chunks are
    independent (a process pool could run them; measured on the shared 2-core box it was not faster).
    """
    _init_worker(job)
    return [fn(c) for c in chunks]


def _event_chunk(chunk: tuple[int, int, int]) -> str:
    """Build and write one `scaled-NNN.ndjson`; returns the concatenated hex event ids."""
    no, first, n = chunk
    j_ = _JOB
    templates = j_["templates"]
    rng = np.random.default_rng([j_["seed"], no])
    idx = np.arange(first, first + n) % len(templates)
    ids_text = rng.bytes(16 * n).hex()
    ids, traces = ids_text.encode(), rng.bytes(16 * n).hex().encode()
    ts = _iso(_times(j_["base_t"][idx], j_["lo"][idx], j_["hi"][idx], rng)).astype("S")
    nums = rng.integers(0, 10**9, size=n)
    lines = []
    for j in range(n):
        parts = templates[idx[j]]
        slots = {"EID": ids[32 * j:32 * j + 32], "TS": ts[j], "TRACE": traces[32 * j:32 * j + 32]}
        buf = list(parts)
        for k in range(1, len(parts), 2):
            name = parts[k]
            buf[k] = slots[name] if name in slots else str(nums[j] % 10 ** int(name[3:])).zfill(int(name[3:])).encode()
        lines.append(b"".join(buf))
    _write(j_["dir"] / f"scaled-{no:03d}.ndjson", lines)
    return ids_text


def _log_chunk(chunk: tuple[int, int, int]) -> int:
    no, first, n = chunk
    j_ = _JOB
    templates = j_["templates"]
    rng = np.random.default_rng([j_["seed"], 1_000_003, no])
    idx = np.arange(first, first + n) % len(templates)
    ts = _iso(j_["base_t"][idx] + rng.integers(-3 * 3600_000, 3 * 3600_000, size=n) / 1000.0).astype("S")
    traces = rng.bytes(16 * n).hex().encode()
    lines = []
    for j in range(n):
        p = list(templates[idx[j]])
        for k in range(1, len(p), 2):
            p[k] = ts[j] if p[k] == "TS" else traces[32 * j:32 * j + 32]
        lines.append(b"".join(p))
    _write(j_["dir"] / f"scaled-{no:03d}.jsonl", lines)
    return n


def write_scaled(landing: Path, captured, seed: int, scale: int, start: datetime, end: datetime) -> dict:
    result = {"events": 0, "log_lines": 0, "files": [], "by_bug": {}, "pairs": []}
    if scale <= 1 or not captured.events:
        return result
    labels = {e["event_id"]: e for e in captured.events}
    payloads = []
    for path in captured.envelope_files:
        payloads += [p for _, ih, p in read_envelope(path) if ih.get("type") == "event"]
    templates, base_t, bug_ids, lo, hi = [], [], [], [], []
    windows = captured.windows if hasattr(captured, "windows") else {}
    for p in payloads:
        meta = labels[p["event_id"]]
        templates.append(_template(p))
        base_t.append((meta["ts"] - EPOCH).total_seconds())
        bug_ids.append(meta["bug_id"])
        w = windows.get(meta["release"], (start, end))
        lo.append((w[0] - EPOCH).total_seconds())
        hi.append((w[1] - EPOCH).total_seconds())
    n_total = (scale - 1) * len(templates)
    job = {"templates": templates, "base_t": np.array(base_t), "lo": np.array(lo), "hi": np.array(hi),
           "seed": seed, "dir": landing / "sentry"}
    chunks = [(no, first, min(CHUNK, n_total - first)) for no, first in enumerate(range(0, n_total, CHUNK))]
    labels_arr = np.array(bug_ids, dtype=object)
    for (no, first, n), ids_text in zip(chunks, _map_chunks(_event_chunk, job, chunks)):
        result["files"].append(f"scaled-{no:03d}.ndjson")
        b = labels_arr[np.arange(first, first + n) % len(templates)]
        result["pairs"].append((ids_text, b))
        for bug, count in zip(*np.unique(b.astype(str), return_counts=True)):
            result["by_bug"][bug] = result["by_bug"].get(bug, 0) + int(count)
    result["events"] = n_total
    result["log_lines"] = _scale_logs(landing / "logs", seed, n_total)
    return result


def _scale_logs(logs_dir: Path, seed: int, n_total: int) -> int:
    """Replicate the real JSONL records with new times and trace ids (same count as scaled events)."""
    base = []
    for service in ("shop-api", "shop-worker"):
        path = logs_dir / f"{service}.jsonl"
        if path.exists():
            base += [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]
    if not base or n_total <= 0:
        return 0
    templates, base_t = [], []
    for r in base:
        base_t.append(datetime.fromisoformat(r["timestamp"]).timestamp())
        r = dict(r, timestamp="\x00TS\x00", trace_id="\x00TRACE\x00")
        parts = re.split(r"\\u0000", json.dumps(r, separators=(",", ":")))
        templates.append([x.encode() if i % 2 == 0 else x for i, x in enumerate(parts)])
    job = {"templates": templates, "base_t": np.array(base_t), "seed": seed, "dir": logs_dir}
    chunks = [(no, first, min(CHUNK, n_total - first)) for no, first in enumerate(range(0, n_total, CHUNK))]
    return sum(_map_chunks(_log_chunk, job, chunks))


def append_truth(fh, scaled: dict) -> None:
    """Append the (event_id, bug_id) pairs of the scaled events to ground_truth_events.csv."""
    for ids, bugs in scaled.get("pairs", []):
        n = len(bugs)
        fh.write("".join(f"{ids[32 * j:32 * j + 32]},{bugs[j]}\n" for j in range(n)))
