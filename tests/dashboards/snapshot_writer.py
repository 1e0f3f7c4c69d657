"""A pipeline-like writer for the concurrency test and the benchmark (run as a separate process).

Holds the warehouse's write lock for its whole life and, in a loop, ingests a fresh structured log file
(real `ingest_path`) and publishes a snapshot (real `publish_snapshot`). Prints one line per snapshot.
Usage: python snapshot_writer.py WAREHOUSE WORKDIR SECONDS [MIN_SNAPSHOTS]
(runs SECONDS, and on a slow machine longer, until it has published MIN_SNAPSHOTS, default 3)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from models.sources.ingest import ingest_path
from models.warehouse import connect
from models.warehouse.snapshot import publish_snapshot


def _log_file(workdir: Path, i: int, lines: int = 400) -> Path:
    path = workdir / f"writer-{i:04d}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n in range(lines):
            out.write(json.dumps({
                "asctime": f"2026-11-19T{(n // 60) % 24:02d}:{n % 60:02d}:{i % 60:02d}Z", "levelname": "ERROR",
                "name": "shop.writer", "message": f"writer batch {i} line {n} failed", "service": "shop-api",
                "trace_id": f"{i:016x}{n:016x}"}) + "\n")
    return path


def main(warehouse: str, workdir: str, seconds: float, min_snapshots: int = 3) -> None:
    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    con = connect(warehouse)
    deadline = time.monotonic() + seconds
    i = 0
    try:
        while time.monotonic() < deadline or i < min_snapshots:
            ingest_path(con, _log_file(work, i), source="logs")
            con.execute("CHECKPOINT")
            publish_snapshot(con, warehouse)
            i += 1
            print(f"snapshot {i}", flush=True)
    finally:
        con.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]), *(int(a) for a in sys.argv[4:5]))
