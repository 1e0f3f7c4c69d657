"""Dashboard bars: every page <= 2 s cold and <= 0.5 s warm on >= 1M events; zero errors under a writing pipeline.

1. Page times. The demo world (`hindsight demo --scale 1`, full pipeline) is copied and its events — with
   exceptions, frames, frame resolutions and fingerprints — are replicated IN SQL
   (`sql/queries/dashboard/bench_replicate_events.sql`) to >= 1M events; then the snapshot is published (it
   stores `failure_events` & co. precomputed, models/warehouse/snapshot.py) and every page is rendered:
   a. server side with Streamlit's AppTest: cold = the page's first render after a new snapshot (every query a
      cache miss, `st.cache_data` cleared; the process has rendered the app once, as a running server has),
      then `WARM_RUNS` warm renders (the bar is the slowest);
   b. in real headless Chromium (when /usr/bin/chromium exists) against `hindsight dashboard`: cold = the first
      load after the snapshot changed (its mtime is bumped: a cache miss for every query), warm = a reload;
      both until the page has finished running (title shown, Streamlit's status widget gone).
   Replication rather than `--scale K` + ingest + pipeline, because ingesting and attributing 1M events takes
   far longer than the benchmark budget; the dashboard reads the same tables.
2. Concurrency. A real `hindsight run` (the whole pipeline, which ends by publishing a snapshot) runs in
   another process on a copy of the demo world while all pages are reloaded in a loop until it finishes;
   errors, reloads and snapshot versions seen are counted.

`HINDSIGHT_BENCH_DEMO=DIR` reuses an existing `hindsight demo --out DIR` world (else one is built, ~1-3 min).
Run: `.venv/bin/python -m benchmarks.run dashboard`. The machine is shared: timings vary with its load.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import duckdb

from models.warehouse import read_sql
from models.warehouse.snapshot import publish_snapshot, snapshot_path

PROJECT = Path(__file__).resolve().parents[1]
APP = PROJECT / "dashboards" / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TARGET_EVENTS = 1_000_000
WARM_RUNS = 3
COLD_BAR_S, WARM_BAR_S = 2.0, 0.5


def _pages() -> list[str]:
    from dashboards.app import PAGES

    return [p.name for p in PAGES]


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("HINDSIGHT_WAREHOUSE", "HINDSIGHT_CONFIG", "DAGSTER_HOME")}
    return {**env, "HINDSIGHT_DAGSTER_LOG_LEVEL": "ERROR", "HINDSIGHT_DAGSTER_EPHEMERAL": "1",
            "PYTHONPATH": str(PROJECT)}


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
        con.execute("SET enable_progress_bar = false")
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


def _render(page: str, query: dict | None = None, cold: bool = False):
    """Render `page` in a fresh AppTest session; returns (seconds of the page's run, errors).

    The default page runs first (a session starts there); `cold` clears the data cache after it, so every query
    of the measured run is a miss, as for the first reader of a new snapshot."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=300)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if cold:  # a new snapshot: no cached result, no open snapshot (dashboards/data.py)
        st.cache_data.clear()
        st.cache_resource.clear()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py")
    started = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - started
    return elapsed, [str(e.value)[:200] for e in [*at.exception, *at.error]]


def _queries(con) -> dict[str, dict]:
    cluster = con.execute("SELECT cluster_id FROM clusters WHERE status = 'active' ORDER BY event_count DESC LIMIT 1"
                          ).fetchone()[0]
    pack = con.execute("SELECT pack_version, rule_id FROM core.rules WHERE engine = 'semgrep' "
                       "ORDER BY pack_version DESC, rule_id LIMIT 1").fetchone()
    return {"cluster": {"cluster": cluster},
            "pack_file": {"version": pack[0], "file": "hindsight-semgrep.yaml", "rule": pack[1]} if pack else {}}


def _page_times(warehouse: Path, config: Path) -> dict:
    os.environ["HINDSIGHT_WAREHOUSE"] = str(warehouse)
    os.environ["HINDSIGHT_CONFIG"] = str(config)
    con = duckdb.connect(str(snapshot_path(warehouse)), read_only=True)
    try:
        queries = _queries(con)
    finally:
        con.close()
    started = time.perf_counter()
    _render("sql")  # a running server has imported and run the app once
    first_run = time.perf_counter() - started
    cold, warm, errors = {}, {}, []
    for page in _pages():
        seconds, errs = _render(page, queries.get(page), cold=True)
        cold[page], errors = round(seconds, 3), errors + errs
        runs = []
        for _ in range(WARM_RUNS):
            seconds, errs = _render(page, queries.get(page))
            runs.append(seconds)
            errors += errs
        warm[page] = round(max(runs), 3)
    return {"first_run_of_the_process_s": round(first_run, 3), "cold_s": cold, "warm_max_s": warm,
            "slowest_cold_s": max(cold.values()), "slowest_warm_s": max(warm.values()),
            f"bar_every_page_cold_le_{COLD_BAR_S}s": max(cold.values()) <= COLD_BAR_S,
            f"bar_every_page_warm_le_{WARM_BAR_S}s": max(warm.values()) <= WARM_BAR_S, "page_errors": errors}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The last thing each page draws: a page has finished when this shows and Streamlit's status widget is gone.
LAST_TEXT = {"overview": "Freshness", "clusters": "pattern(s) with failures", "cluster": "Rules and guidance this",
             "attribution": "Release over release: share", "incidents": "incident(s) overlapping",
             "rules": "Guidance files", "sql": "Saved analysis", "pack_file": "This rule",
             # the table's closing caption, or the notice when the world has no scored commit
             "change_risk": re.compile(r"Score a change before it ships|No scored commit|No change-risk")}


def _finished(page, name: str, started: float) -> float:
    """Seconds from `started` until page `name` has drawn its last element and Streamlit is idle."""
    page.get_by_text(LAST_TEXT[name]).first.wait_for(timeout=120_000)
    while page.locator('[data-testid="stStatusWidget"]').count():
        page.wait_for_timeout(20)
    return time.perf_counter() - started


def _browser_times(warehouse: Path, config: Path) -> dict:
    """Every page in real headless Chromium against `hindsight dashboard`, reached through the sidebar as a
    person does (one session): cold right after the snapshot changed (its mtime is bumped: every query misses the
    cache), warm on coming back. The hidden pack_file page and a full reload of the Overview are loaded by URL."""
    if not CHROMIUM.exists():
        return {"skipped": f"{CHROMIUM} not installed"}
    from playwright.sync_api import sync_playwright

    from dashboards.app import PAGES

    con = duckdb.connect(str(snapshot_path(warehouse)), read_only=True)
    try:
        queries = _queries(con)
    finally:
        con.close()
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "hindsight.cli", "--config", str(config), "--warehouse",
                               str(warehouse), "dashboard", "--port", str(port)], cwd=PROJECT, env=_env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    cold, warm, loads, errors = {}, {}, {}, []

    def new_snapshot() -> None:
        now = time.time_ns()
        os.utime(snapshot_path(warehouse), ns=(now, now))

    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the dashboard did not start") from None
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1366, "height": 768})
                page.goto(f"{base}/incidents")  # a page with a chart: the browser loads the chart library once
                _finished(page, "incidents", time.perf_counter())

                def visit(spec) -> float:
                    started = time.perf_counter()
                    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=spec.title).first.click()
                    page.get_by_role("heading", name=spec.title, exact=True).first.wait_for(timeout=120_000)
                    return _finished(page, spec.name, started)

                sql = next(s for s in PAGES if s.name == "sql")
                for spec in (s for s in PAGES if not s.hidden):
                    if spec.name != "sql":
                        visit(sql)
                    new_snapshot()
                    cold[spec.name] = round(visit(spec), 3)
                    runs = []
                    for _ in range(WARM_RUNS):
                        visit(sql if spec.name != "sql" else next(s for s in PAGES if s.name == "rules"))
                        runs.append(visit(spec))
                    warm[spec.name] = round(max(runs), 3)
                    if page.locator('[data-testid="stException"]').count():
                        errors.append(spec.name)
                for name, query in (("overview", ""), ("pack_file", "&".join(
                        f"{k}={v}" for k, v in queries.get("pack_file", {}).items()))):
                    new_snapshot()
                    started = time.perf_counter()
                    page.goto(f"{base}/{name}" + (f"?{query}" if query else ""))
                    loads[f"{name}_cold"] = round(_finished(page, name, started), 3)
                    started = time.perf_counter()
                    page.reload()
                    loads[f"{name}_warm"] = round(_finished(page, name, started), 3)
                    if page.get_by_text("Page not found").count() or page.locator('[data-testid="stException"]').count():
                        errors.append(name)
            finally:
                browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return {"navigate_cold_s": cold, "navigate_warm_max_s": warm, "slowest_cold_s": max(cold.values()),
            "slowest_warm_s": max(warm.values()), "full_page_load_s": loads, "pages_with_errors": errors,
            f"bar_every_page_cold_le_{COLD_BAR_S}s": max(cold.values()) <= COLD_BAR_S,
            f"bar_every_page_warm_le_{WARM_BAR_S}s": max(warm.values()) <= WARM_BAR_S}


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
        for page in _pages():
            if page == "pack_file":
                continue  # needs a pack version; it reads one file, not the warehouse
            _, errs = _render(page)
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
        figures["load_average_before_pages"] = [round(x, 1) for x in os.getloadavg()]  # a shared 2-core machine
        figures["pages"] = _page_times(big / "warehouse.duckdb", big / "hindsight.toml")
        figures["pages_in_chromium"] = _browser_times(big / "warehouse.duckdb", big / "hindsight.toml")
        figures["load_average_after_pages"] = [round(x, 1) for x in os.getloadavg()]
        shutil.rmtree(big)
        figures["concurrent_pipeline"] = _concurrency(world, tmp)
        figures["bar_zero_errors_while_writing"] = figures["concurrent_pipeline"]["errors"] == 0
        return figures


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2, default=str))
