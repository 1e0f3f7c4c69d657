"""Benchmarks of the signatures stage (`.venv/bin/python -m benchmarks.run signatures`).

- Loghub-2k: GA / FGA / PA per system with the one default configuration, and the averages.
- Speed: our miner vs Drain3 (default config) side by side on the same >= 1M-line file made from the 10
  Loghub systems' messages (repeated, digits rotated per repetition so values vary); each parser runs in
  its own subprocess, which reports its wall time and peak RSS (`benchmarks.memory.peak_rss_mb`).
- Sentry grouping oracle: pairwise agreement on the 435 pairs, and the disagreements.
- Fingerprinting throughput: N synthetic events (8 frames each, 1,000 bugs) in a temp warehouse, in a
  subprocess (peak RSS includes generating the events).
Environment: HINDSIGHT_BENCH_LINES (default 1,000,000), HINDSIGHT_BENCH_EVENTS (default 1,000,000).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from models.signatures.logformat import split_lines
from models.signatures.loghub import FORMATS, read_truth, score, system_files
from models.signatures.templates import mine_file

ROOT = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("HINDSIGHT_SHARED_DATASETS", ROOT.parent / "shared" / "datasets"))

_OURS = """
import sys, time
from benchmarks.memory import peak_rss_mb
from models.signatures.templates import mine_file
t = time.perf_counter()
df = mine_file(sys.argv[1], None)
seconds = time.perf_counter() - t
print(df.height, df["EventId"].n_unique(), seconds, round(peak_rss_mb() * 1024))
"""

_DRAIN3 = """
import logging, sys, time
from benchmarks.memory import peak_rss_mb
logging.disable(logging.CRITICAL)
from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig
config = TemplateMinerConfig()
config.profiling_enabled = False
miner = TemplateMiner(config=config)
t = time.perf_counter()
n = 0
with open(sys.argv[1], encoding="utf-8", errors="replace") as fh:
    for line in fh:
        miner.add_log_message(line.rstrip("\\r\\n"))
        n += 1
seconds = time.perf_counter() - t
print(n, len(miner.drain.clusters), seconds, round(peak_rss_mb() * 1024))
"""


def loghub_accuracy(root: Path) -> dict:
    per_system = {}
    for system, fmt in FORMATS.items():
        log, truth = system_files(root, system)
        per_system[system] = score(mine_file(log, fmt), read_truth(truth))
    avg = {k: round(sum(r[k] for r in per_system.values()) / len(per_system), 4) for k in ("GA", "FGA", "PA")}
    return {"per_system": per_system, "average": avg}


def build_speed_file(root: Path, out: Path, lines: int) -> int:
    """Messages of the 10 systems, repeated with the digits rotated by the repetition number."""
    parts = []
    for system, fmt in FORMATS.items():
        log, _ = system_files(root, system)
        text = log.read_bytes().decode("utf-8", errors="replace")
        parts.append(split_lines(pl.Series(text.splitlines()), fmt)["Content"])
    base = pl.concat(parts).to_list()
    written = 0
    with out.open("w", encoding="utf-8") as fh:
        k = 0
        while written < lines:
            digits = "0123456789"
            table = str.maketrans(digits, digits[k % 10 :] + digits[: k % 10])
            chunk = base[: lines - written]
            fh.write(
                "\n".join(s.translate(table) + (f" r{k // 10}" if k >= 10 else "") for s in chunk) + "\n"
            )
            written += len(chunk)
            k += 1
    return written


def _measure(script: str, path: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=3600,
    )
    n, groups, seconds, rss_kb = proc.stdout.split()[-4:]
    return {
        "lines": int(n),
        "templates": int(groups),
        "seconds": round(float(seconds), 2),
        "lines_per_s": round(int(n) / float(seconds)),
        "peak_rss_mb": round(int(rss_kb) / 1024),
    }


def speed(root: Path, lines: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "loghub_1m.log"
        n = build_speed_file(root, path, lines)
        ours = _measure(_OURS, path)
        drain = _measure(_DRAIN3, path)
    return {
        "file_lines": n,
        "ours": ours,
        "drain3_default": drain,
        "speedup_vs_drain3": round(ours["lines_per_s"] / drain["lines_per_s"], 1),
    }


def sentry_agreement(dataset: Path) -> dict:
    from models.signatures.sentry_oracle import score as oracle

    r = oracle(dataset)
    return {
        k: r[k] for k in ("pairs", "agree", "agreement", "exact_hash_matches", "fixtures", "disagreements")
    }


def fingerprint_throughput(events: int) -> dict:
    from models.signatures import fingerprint_events
    from models.warehouse import connect, run_sql_file

    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "w.duckdb")
        con.execute("SET enable_progress_bar = false")
        t = time.perf_counter()
        run_sql_file(con, "queries/signatures/bench_insert_synthetic_events", [events])
        run_sql_file(con, "queries/signatures/bench_insert_synthetic_exceptions", [events])
        run_sql_file(con, "queries/signatures/bench_insert_synthetic_frames")
        generated = time.perf_counter() - t
        frames = con.execute("SELECT count(*) FROM core.frames").fetchone()[0]
        t = time.perf_counter()
        n = fingerprint_events(con)
        seconds = time.perf_counter() - t
        distinct = con.execute("SELECT count(DISTINCT fingerprint) FROM core.event_fingerprints").fetchone()[
            0
        ]
        con.close()
    return {
        "events": n,
        "frames": frames,
        "seconds": round(seconds, 1),
        "events_per_s": round(n / seconds),
        "distinct_fingerprints": distinct,
        "expected_distinct": 1000,
        "generate_seconds": round(generated, 1),
    }


_FP = """
import json, sys
from benchmarks.memory import peak_rss_mb
from benchmarks.signatures import fingerprint_throughput
figures = fingerprint_throughput(int(sys.argv[1]))
figures["peak_rss_mb"] = round(peak_rss_mb())
print(json.dumps(figures))
"""


def fingerprint_throughput_subprocess(events: int) -> dict:
    """`fingerprint_throughput` in its own process, so that its peak RSS is measured alone."""
    proc = subprocess.run(
        [sys.executable, "-c", _FP, str(events)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=3600,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run() -> dict:
    lines = int(os.environ.get("HINDSIGHT_BENCH_LINES", "1000000"))
    events = int(os.environ.get("HINDSIGHT_BENCH_EVENTS", "1000000"))
    figures: dict = {"load_average_at_start": os.getloadavg()[0]}
    loghub = DATASETS / "loghub-2k"
    if loghub.exists():
        figures["loghub"] = loghub_accuracy(loghub)
        figures["speed"] = speed(loghub, lines)
    if (DATASETS / "sentry-grouping").exists():
        figures["sentry_grouping"] = sentry_agreement(DATASETS / "sentry-grouping")
    figures["fingerprinting"] = fingerprint_throughput_subprocess(events)
    return figures


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
