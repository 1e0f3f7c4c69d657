"""Dashboard bars: every page < 2 s server side (warm cache) on >= 1M events; zero errors under a writing pipeline.

1. Page times. The demo world (`hindsight demo --scale 1`, full pipeline) is copied and its events — with
   exceptions, frames, frame resolutions and fingerprints — are replicated IN SQL
   (`sql/queries/dashboard/bench_replicate_events.sql`) to >= 1M events; then the snapshot is published and
   every page is rendered with Streamlit's AppTest: once cold, then `WARM_RUNS` times warm (the bar is the
   slowest warm run). Cold = first render after a new snapshot (what the first reader pays); the snapshot
   carries the heavy attribution views precomputed (schema `dash`), so cold stays bounded too. Replication rather than `--scale K` + ingest + pipeline, because ingesting and
   attributing 1M events takes far longer than the benchmark budget; the dashboard reads the same tables.
2. Concurrency. A real `hindsight run` (the whole pipeline, which ends by publishing a snapshot) runs in
   another process on a copy of the demo world while all pages are reloaded in a loop until it finishes;
   errors, reloads and snapshot versions seen are counted.

`HINDSIGHT_BENCH_DEMO=DIR` reuses an existing `hindsight demo --out DIR` world (else one is built, ~1-3 min).
Run: `.venv/bin/python -m benchmarks.run dashboard`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from models.warehouse import read_sql
from models.warehouse.snapshot import publish_snapshot, snapshot_path

PROJECT = Path(__file__).resolve().parents[1]
APP = PROJECT / "dashboards" / "app.py"
PAGES = ["overview", "clusters", "cluster", "attribution", "incidents", "rules", "sql"]
TARGET_EVENTS = 1_000_000
WARM_RUNS = 3


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("HINDSIGHT_WAREHOUSE", "HINDSIGHT_CONFIG", "DAGSTER_HOME")}
    return {**env, "HINDSIGHT_DAGSTER_LOG_LEVEL": "ERROR", "PYTHONPATH": str(PROJECT)}


def _demo_world(tmp: Path) -> Path:
    if os.environ.get("HINDSIGHT_BENCH_DEMO"):
        return Path(os.environ["HINDSIGHT_BENCH_DEMO"]).resolve()
    out = tmp / "demo"
    subprocess.run([sys.executable, "-m", "hindsight.cli", "demo", "--out", str(out), "--scale", "1"],
                   cwd=PROJECT, env=_env(), check=True, capture_output=True, timeout=1800)
    return out


def _copy_world(world: Path, dest: Path) -> Path:
    """A copy of the demo world (config, repo, landing, warehouse) that a benchmark may write to."""
    shutil.copytree(world, dest, ignore=shutil.ignore_patterns("*.snapshot.duckdb", ".*.tmp"))
    return dest


def _replicate(warehouse: Path) -> dict:
    started = time.perf_counter()
    con = duckdb.connect(str(warehouse))
    try:
        base = con.execute("SELECT count(*) FROM core.events").fetchone()[0]
        copies = -(-TARGET_EVENTS // base)
        for statement in con.extract_statements(read_sql("queries/dashboard/bench_replicate_events")):
            sql = statement.query
            con.execute(sql, {"copies": copies} if "$copies" in sql else None)
        con.execute("CHECKPOINT")
        counts = {t: con.execute(f"SELECT count(*) FROM core.{t}").fetchone()[0] for t in ("events", "frames")}
        replicated = time.perf_counter() - started
        started = time.perf_counter()
        publish_snapshot(con, warehouse)
    finally:
        con.close()
    return {"base_events": base, "copies": copies, **counts, "replicate_s": round(replicated, 1),
            "publish_snapshot_s": round(time.perf_counter() - started, 1),
            "snapshot_mb": round(snapshot_path(warehouse).stat().st_size / 1e6)}


def _render(page: str, query: dict | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=300)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    started = time.perf_counter()
    at.run()  # the default page (overview) with the sidebar filters
    first = time.perf_counter() - started
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py")
    started = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - started
    return at, first, elapsed, [str(e.value)[:200] for e in [*at.exception, *at.error]]


def _page_times(warehouse: Path, config: Path) -> dict:
    os.environ["HINDSIGHT_WAREHOUSE"] = str(warehouse)
    os.environ["HINDSIGHT_CONFIG"] = str(config)
    con = duckdb.connect(str(snapshot_path(warehouse)), read_only=True)
    try:
        lo, hi = con.execute("SELECT min(ts)::DATE, max(ts)::DATE FROM events").fetchone()
        cluster = con.execute("SELECT cluster_id FROM clusters WHERE status = 'active' ORDER BY event_count DESC LIMIT 1").fetchone()[0]
    finally:
        con.close()
    query = {"start": lo.isoformat(), "end": hi.isoformat()}  # the whole history: every event counts
    cold, warm, errors = {}, {}, []
    for page in PAGES:
        q = {**query, "cluster": cluster} if page == "cluster" else query
        _, first_s, page_s, errs = _render(page, q)
        cold_s = first_s if page == "overview" else page_s  # the overview's cold run is the session's first
        errors += errs
        runs = []
        for _ in range(WARM_RUNS):
            _, _, seconds, errs = _render(page, q)
            runs.append(seconds)
            errors += errs
        cold[page], warm[page] = round(cold_s, 3), round(max(runs), 3)
    return {"cold_s": cold, "warm_max_s": warm, "slowest_warm_s": max(warm.values()),
            "bar_every_page_under_2s_warm": max(warm.values()) < 2.0, "page_errors": errors}


def _concurrency(world: Path, tmp: Path) -> dict:
    """Reload every page in a loop while a real `hindsight run` writes the warehouse and publishes snapshots."""
    copy = _copy_world(world, tmp / "concurrent")
    warehouse = copy / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        publish_snapshot(con, warehouse)
    finally:
        con.close()
    os.environ["HINDSIGHT_WAREHOUSE"] = str(warehouse)
    os.environ["HINDSIGHT_CONFIG"] = str(copy / "hindsight.toml")
    run = subprocess.Popen([sys.executable, "-m", "hindsight.cli", "--config", str(copy / "hindsight.toml"), "run"],
                           cwd=PROJECT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    reloads, errors, versions = 0, [], set()
    started = time.perf_counter()
    while run.poll() is None:
        for page in PAGES:
            _, _, _, errs = _render(page)
            reloads += 1
            errors += [f"{page}: {e}" for e in errs]
            versions.add(snapshot_path(warehouse).stat().st_mtime_ns)
    output = run.communicate()[0]
    versions.add(snapshot_path(warehouse).stat().st_mtime_ns)
    return {"pipeline_run_s": round(time.perf_counter() - started, 1), "pipeline_exit": run.returncode,
            "reloads": reloads, "errors": len(errors), "error_samples": errors[:3],
            "snapshot_versions_seen": len(versions), "pipeline_tail": output[-300:] if run.returncode else ""}


def run() -> dict:
    with tempfile.TemporaryDirectory(prefix="hindsight-bench-dashboard-") as tmp_name:
        tmp = Path(tmp_name)
        world = _demo_world(tmp)
        big = _copy_world(world, tmp / "big")
        figures = {"warehouse": _replicate(big / "warehouse.duckdb")}
        figures["pages"] = _page_times(big / "warehouse.duckdb", big / "hindsight.toml")
        shutil.rmtree(big)
        figures["concurrent_pipeline"] = _concurrency(world, tmp)
        figures["bar_zero_errors_while_writing"] = figures["concurrent_pipeline"]["errors"] == 0
        return figures


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2, default=str))
