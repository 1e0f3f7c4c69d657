"""Benchmark: plain-text log ingest (Loghub line format + multi-line tracebacks) into a fresh warehouse.

`bench_text_logs()` writes ~1M lines (Loghub-HDFS-shaped records, 1 in 2,000 carrying a 7-line Python
traceback, 5% carrying a secret) to a temp file and ingests it through `ingest_path`, measuring lines/s and the process's
peak RSS. Run: `.venv/bin/python -m benchmarks.sources_logs` (or `-m benchmarks.run sources_logs`).
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.memory import peak_rss_mb

HDFS_FORMAT = "<Date> <Time> <Pid> <Level> <Component>: <Content>"
_TEMPLATES = (
    "PacketResponder {n} for block blk_{b} terminating",
    "Receiving block blk_{b} src: /10.251.{n}.{m}:{p} dest: /10.251.{m}.{n}:50010",
    "BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.251.{n}.{m}:50010 is added to blk_{b} size {p}",
    "Verification succeeded for blk_{b}",
    "Served block blk_{b} to /10.251.{n}.{m}",
)
_SECRET = " token=abc{p} password=hunter{n}"  # on 5% of the lines: they take the full scrub
_TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/app/dfs/datanode.py", line {n}, in serve\n'
    "    self.send(block)\n"
    '  File "/usr/lib/python3.11/site-packages/net/sock.py", line 88, in send\n'
    "    raise TimeoutError(f'timed out after {m}s')\n"
    "TimeoutError: timed out after {m}s"
)


def write_text_log(path: Path, n_lines: int, seed: int = 7) -> int:
    """Write about `n_lines` lines; returns the exact number of lines written."""
    rng = random.Random(seed)
    written = 0
    with open(path, "w", encoding="utf-8") as fh:
        sec = 0
        while written < n_lines:
            sec += rng.random() < 0.3
            hh, mm, ss = (sec // 3600) % 24, (sec // 60) % 60, sec % 60
            vals = {
                "n": rng.randint(0, 255),
                "m": rng.randint(0, 255),
                "p": rng.randint(1000, 99999),
                "b": rng.getrandbits(60),
            }
            level = "INFO"
            content = rng.choice(_TEMPLATES).format(**vals)
            if rng.random() < 0.05:
                content += _SECRET.format(**vals)
            extra = ""
            if rng.random() < 1 / 2000:
                level, extra = "ERROR", "\n" + _TRACEBACK.format(**vals)
            fh.write(
                f"0811{10 + sec // 86400:02d} {hh:02d}{mm:02d}{ss:02d} {vals['p'] % 500} {level} dfs.DataNode: {content}{extra}\n"
            )
            written += 1 + extra.count("\n")
    return written


def _ingest_timed(path: Path, warehouse: Path, **kwargs) -> tuple[object, float, float, int]:
    from models.sources.ingest import ingest_path
    from models.warehouse import connect

    con = connect(warehouse)
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        (report,) = ingest_path(con, path, source="logs", **kwargs)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        events = con.execute("SELECT count(*) FROM core.events WHERE origin = 'log'").fetchone()[0]
    finally:
        con.close()
    return report, wall, cpu, events


def bench_text_logs(n_lines: int = 1_000_000) -> dict:
    """Plain-text ingest figures: lines/s (wall), CPU seconds (all threads), peak RSS of the process.

    CPU time is reported too because the wall time on a shared 2-core machine depends on the load
    (`load_avg_1m`); lines per CPU-second is the load-independent figure.
    """
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "hdfs.log"
        lines = write_text_log(log, n_lines)
        size_mb = log.stat().st_size / 2**20
        report, wall, cpu, events = _ingest_timed(
            log, Path(tmp) / "warehouse.duckdb", fmt="text", line_format=HDFS_FORMAT, service="dfs"
        )
    return {
        "text_lines": lines,
        "text_file_mb": round(size_mb, 1),
        "text_records_loaded": report.loaded,
        "text_quarantined": report.quarantined,
        "text_traceback_events": events,
        "text_seconds": round(wall, 2),
        "text_lines_per_s": round(lines / wall),
        "text_cpu_seconds": round(cpu, 2),
        "text_lines_per_cpu_s": round(lines / cpu),
        "peak_rss_mb": round(peak_rss_mb()),
        "load_avg_1m": round(os.getloadavg()[0], 1),
        "cpus": os.cpu_count(),
    }


def bench_json_logs(n_lines: int = 200_000) -> dict:
    """JSON-lines ingest figures on python-json-logger-shaped records (1 in 2,000 with a traceback)."""
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "app.jsonl"
        with open(log, "w", encoding="utf-8") as fh:
            for i in range(n_lines):
                doc = {
                    "asctime": f"2026-01-02T03:{(i // 60) % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z",
                    "levelname": "INFO",
                    "name": "shop.orders",
                    "message": f"order {rng.randint(1, 10**6)} placed",
                    "order_id": i,
                    "trace_id": f"{rng.getrandbits(128):032x}",
                }
                if i % 2000 == 0:
                    doc["levelname"] = "ERROR"
                    doc["exc_info"] = _TRACEBACK.format(n=i % 500, m=30)
                fh.write(json.dumps(doc) + "\n")
        report, wall, cpu, events = _ingest_timed(log, Path(tmp) / "warehouse.duckdb")
    return {
        "json_lines": n_lines,
        "json_records_loaded": report.loaded,
        "json_traceback_events": events,
        "json_seconds": round(wall, 2),
        "json_lines_per_s": round(n_lines / wall),
        "json_lines_per_cpu_s": round(n_lines / cpu),
    }


def run() -> dict:
    return {**bench_json_logs(), **bench_text_logs()}


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    print(json.dumps(run() if n == 1_000_000 else bench_text_logs(n), indent=2))
