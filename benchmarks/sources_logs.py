"""Benchmark: plain-text log ingest (Loghub line format + multi-line tracebacks) into a fresh warehouse.

`bench_text_logs()` writes ~1M lines (Loghub-HDFS-shaped records, 1 in 2,000 carrying a 7-line Python
traceback) to a temp file and ingests it through `ingest_path`, measuring lines/s and the process's
peak RSS. Run: `.venv/bin/python -m benchmarks.sources_logs` (or `-m benchmarks.run sources_logs`).
"""

from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
from pathlib import Path

HDFS_FORMAT = "<Date> <Time> <Pid> <Level> <Component>: <Content>"
_TEMPLATES = (
    "PacketResponder {n} for block blk_{b} terminating",
    "Receiving block blk_{b} src: /10.251.{n}.{m}:{p} dest: /10.251.{m}.{n}:50010",
    "BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.251.{n}.{m}:50010 is added to blk_{b} size {p}",
    "Verification succeeded for blk_{b}",
    "Served block blk_{b} to /10.251.{n}.{m} token=abc{p} password=hunter{n}",
)
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
            extra = ""
            if rng.random() < 1 / 2000:
                level, extra = "ERROR", "\n" + _TRACEBACK.format(**vals)
            fh.write(
                f"0811{10 + sec // 86400:02d} {hh:02d}{mm:02d}{ss:02d} {vals['p'] % 500} {level} dfs.DataNode: {content}{extra}\n"
            )
            written += 1 + extra.count("\n")
    return written


def bench_text_logs(n_lines: int = 1_000_000) -> dict:
    from models.sources.ingest import ingest_path
    from models.warehouse import connect

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "hdfs.log"
        lines = write_text_log(log, n_lines)
        con = connect(Path(tmp) / "warehouse.duckdb")
        started = time.perf_counter()
        (report,) = ingest_path(con, log, source="logs", fmt="text", line_format=HDFS_FORMAT, service="dfs")
        seconds = time.perf_counter() - started
        events = con.execute("SELECT count(*) FROM core.events WHERE origin = 'log'").fetchone()[0]
        con.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "text_lines": lines,
        "text_records_loaded": report.loaded,
        "text_quarantined": report.quarantined,
        "traceback_events": events,
        "text_seconds": round(seconds, 2),
        "text_lines_per_s": round(lines / seconds),
        "peak_rss_mb": round(rss_mb),
        "file_mb": None,
    }


def run() -> dict:
    return bench_text_logs()


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    print(bench_text_logs(n))
