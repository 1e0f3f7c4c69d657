"""Benchmarks of the signatures stage (`.venv/bin/python -m benchmarks.run signatures`).

- Loghub-2k, leave-one-system-out: each system scored with the miner setting the *other* nine chose
  (models/signatures/loso.py); the ten held-out GA / FGA / PA and their mean. No in-sample figure.
- Speed: our miner vs Drain3 (default config) side by side on the same files, each parser in its own
  subprocess reporting wall time, CPU time and peak RSS (VmHWM, `benchmarks.memory.peak_rss_mb`), the
  two alternating for `HINDSIGHT_BENCH_ROUNDS` rounds (the machine is shared: medians are reported):
  * one system: HDFS's 2,000 messages repeated to >= 1M lines, (a) as they are, (b) with the digits of
    every repetition permuted (so values vary as in a real log and the dedupe of whole lines cannot help);
  * the mix: the 10 systems' messages repeated, digits rotated per repetition (values vary).
- Sentry grouping oracle: pairwise agreement on the 435 pairs, and the disagreements.
- Fingerprinting throughput: N synthetic events (8 frames each, 1,000 bugs) in a temp warehouse, in a
  subprocess (peak RSS includes generating the events).
Environment: HINDSIGHT_BENCH_LINES (default 1,000,000), HINDSIGHT_BENCH_EVENTS (default 1,000,000),
HINDSIGHT_BENCH_ROUNDS (default 3), HINDSIGHT_BENCH_SYSTEM (default HDFS).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from models.signatures.logformat import split_lines
from models.signatures.loghub import FORMATS, read_truth, score, system_files
from models.signatures.loso import leave_one_system_out
from models.signatures.templates import read_lines

ROOT = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("HINDSIGHT_SHARED_DATASETS", ROOT.parent / "shared" / "datasets"))

_OURS = """
import sys, time
from benchmarks.memory import peak_rss_mb
from models.signatures.templates import mine_file
t, c = time.perf_counter(), time.process_time()
df = mine_file(sys.argv[1], None)
seconds, cpu = time.perf_counter() - t, time.process_time() - c
print(df.height, df["EventId"].n_unique(), seconds, cpu, round(peak_rss_mb() * 1024))
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
t, c = time.perf_counter(), time.process_time()
n = 0
with open(sys.argv[1], encoding="utf-8", errors="replace") as fh:
    for line in fh:
        miner.add_log_message(line.rstrip("\\r\\n"))
        n += 1
seconds, cpu = time.perf_counter() - t, time.process_time() - c
print(n, len(miner.drain.clusters), seconds, cpu, round(peak_rss_mb() * 1024))
"""


def loghub_accuracy(root: Path) -> dict:
    """Leave-one-system-out: the held-out scores only (see models/signatures/loso.py); and Drain3 with
    its default configuration on the same systems (untuned, so its scores need no held-out split)."""
    result = leave_one_system_out(root)
    return {
        "held_out": result["held_out"],
        "mean": result["mean"],
        "grid": result["grid"],
        "drain3_default": drain3_accuracy(root, result["systems"]),
    }


def drain3_accuracy(root: Path, systems: list[str]) -> dict:
    """GA / FGA / PA of Drain3 (default config, one miner per system) on the same `Content` lines."""
    import logging

    from drain3 import TemplateMiner
    from drain3.template_miner_config import TemplateMinerConfig

    logging.getLogger("drain3").setLevel(logging.CRITICAL)
    per_system = {}
    for system in systems:
        config = TemplateMinerConfig()
        config.profiling_enabled = False
        miner = TemplateMiner(config=config)
        ids = [miner.add_log_message(m)["cluster_id"] for m in _contents(root, system)]
        templates = {c.cluster_id: c.get_template() for c in miner.drain.clusters}
        pred = pl.DataFrame(
            {"LineId": range(1, len(ids) + 1), "EventId": [str(i) for i in ids], "EventTemplate": [templates[i] for i in ids]}
        )
        per_system[system] = score(pred, read_truth(system_files(root, system)[1]))
    rows = list(per_system.values())
    return {"per_system": per_system, "mean": {k: round(sum(r[k] for r in rows) / len(rows), 4) for k in ("GA", "FGA", "PA")}}


def _contents(root: Path, system: str) -> list[str]:
    log, _ = system_files(root, system)
    return split_lines(read_lines(log), FORMATS[system])["Content"].to_list()


def build_speed_file(root: Path, out: Path, lines: int) -> int:
    """Messages of the 10 systems, repeated with the digits rotated by the repetition number."""
    base = [m for system in FORMATS for m in _contents(root, system)]
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


def build_system_file(root: Path, system: str, out: Path, lines: int, vary: bool) -> int:
    """One system's messages repeated to `lines` lines; with `vary`, every repetition after the first
    permutes the digits (a fixed seed), so ids, sizes and addresses differ as in a real, longer log."""
    base = _contents(root, system)
    rng = random.Random(15)
    written = 0
    with out.open("w", encoding="utf-8") as fh:
        while written < lines:
            chunk = base[: lines - written]
            if vary and written:
                digits = list("0123456789")
                rng.shuffle(digits)
                table = str.maketrans("0123456789", "".join(digits))
                chunk = [s.translate(table) for s in chunk]
            fh.write("\n".join(chunk) + "\n")
            written += len(chunk)
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
    n, groups, seconds, cpu, rss_kb = proc.stdout.split()[-5:]
    return {
        "lines": int(n),
        "templates": int(groups),
        "seconds": round(float(seconds), 2),
        "cpu_seconds": round(float(cpu), 2),
        "lines_per_s": round(int(n) / float(seconds)),
        "peak_rss_mb": round(int(rss_kb) / 1024),
    }


def side_by_side(path: Path, rounds: int) -> dict:
    """Ours and Drain3 alternating on the same file; medians of the rounds, and every round's ratio."""
    ours, drain = [], []
    for _ in range(rounds):
        ours.append(_measure(_OURS, path))
        drain.append(_measure(_DRAIN3, path))

    def median(runs: list[dict]) -> dict:
        out = dict(runs[0])
        for key in ("seconds", "cpu_seconds", "lines_per_s", "peak_rss_mb"):
            out[key] = statistics.median(r[key] for r in runs)
        return out

    o, d = median(ours), median(drain)
    return {
        "ours": o,
        "drain3_default": d,
        "speedup_vs_drain3": round(o["lines_per_s"] / d["lines_per_s"], 1),
        "speedup_by_cpu_time": round(d["cpu_seconds"] / o["cpu_seconds"], 1),
        "speedup_per_round": [round(b["seconds"] / a["seconds"], 1) for a, b in zip(ours, drain)],
        "rounds": rounds,
    }


def speed(root: Path, lines: int, rounds: int, system: str) -> dict:
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in (
            (f"{system}_repeated", lambda p: build_system_file(root, system, p, lines, vary=False)),
            (f"{system}_values_varied", lambda p: build_system_file(root, system, p, lines, vary=True)),
            ("ten_systems_mix", lambda p: build_speed_file(root, p, lines)),
        ):
            path = Path(tmp) / f"{name}.log"
            n = build(path)
            figures[name] = {"file_lines": n, **side_by_side(path, rounds)}
            path.unlink()
    return figures


def sentry_agreement(dataset: Path) -> dict:
    from models.signatures.sentry_oracle import score as oracle

    r = oracle(dataset)
    return {
        k: r[k] for k in ("pairs", "agree", "agreement", "exact_hash_matches", "fixtures", "disagreements")
    }


REGROUP_RULE = "type:ConnectionError -> connection-errors"  # matches the chained 10% of the events


def fingerprint_throughput(events: int) -> dict:
    """Fingerprint `events` synthetic events, then again after a rule change (new grouping version)."""
    from benchmarks.memory import peak_rss_mb
    from models.config import Config
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
        peak = peak_rss_mb()
        # a fingerprint rule is added: a new grouping version, every event is checked again
        t = time.perf_counter()
        regrouped = fingerprint_events(con, Config(fingerprint_rules=(REGROUP_RULE,)))
        regroup_seconds = time.perf_counter() - t
        moved = con.execute("SELECT coalesce(sum(moved), 0) FROM core.signature_lineage").fetchone()[0]
        con.close()
    return {
        "events": n,
        "frames": frames,
        "seconds": round(seconds, 1),
        "events_per_s": round(n / seconds),
        "distinct_fingerprints": distinct,
        "expected_distinct": 1000,
        "generate_seconds": round(generated, 1),
        "peak_rss_mb": round(peak),
        "rule_change": {
            "rule": REGROUP_RULE,
            "events_checked": regrouped,
            "events_moved": int(moved),
            "seconds": round(regroup_seconds, 1),
            "peak_rss_mb": round(peak_rss_mb()),
        },
    }


_FP = """
import json, sys
from benchmarks.signatures import fingerprint_throughput
print(json.dumps(fingerprint_throughput(int(sys.argv[1]))))
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
    rounds = int(os.environ.get("HINDSIGHT_BENCH_ROUNDS", "3"))
    system = os.environ.get("HINDSIGHT_BENCH_SYSTEM", "HDFS")
    figures: dict = {"load_average_at_start": os.getloadavg()[0]}
    loghub = DATASETS / "loghub-2k"
    if loghub.exists():
        figures["loghub_leave_one_system_out"] = loghub_accuracy(loghub)
        figures["speed"] = speed(loghub, lines, rounds, system)
    if (DATASETS / "sentry-grouping").exists():
        figures["sentry_grouping"] = sentry_agreement(DATASETS / "sentry-grouping")
    figures["fingerprinting"] = fingerprint_throughput_subprocess(events)
    return figures


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
