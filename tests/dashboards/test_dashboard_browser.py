"""End to end in real headless Chromium: `hindsight dashboard` serves every page; screenshots are saved.

Screenshots: test-artifacts/dashboard/<page>.png (git-ignored).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest
from dash_world import PROJECT

from models.warehouse.snapshot import snapshot_path

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT / "test-artifacts" / "dashboard"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed at /usr/bin/chromium "
                                                               "(.ci/run installs it)")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(world):
    """`hindsight --config <world> dashboard --port P` in its own process group; yields the base URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("HINDSIGHT_WAREHOUSE", "HINDSIGHT_CONFIG")}
    proc = subprocess.Popen([sys.executable, "-m", "hindsight.cli", "--config", str(world / "hindsight.toml"),
                             "dashboard", "--port", str(port)], cwd=PROJECT, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dashboard did not start: {proc.stdout.read() if proc.poll() is not None else ''}")
            time.sleep(0.3)
        yield base
    finally:
        os.kill(proc.pid, signal.SIGTERM)  # as a supervisor would: the CLI's own PID (Streamlit, exec'd)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        left_behind = _group_alive(proc.pid, grace=5)
        if left_behind:
            os.killpg(proc.pid, signal.SIGKILL)
    assert not left_behind, "SIGTERM to `hindsight dashboard` left a process serving"


def _group_alive(pgid: int, grace: float) -> bool:
    """Whether any process of the group is still there after `grace` seconds."""
    deadline = time.monotonic() + grace
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.1)


def _open(page, url: str, title: str, *texts: str, shot: str) -> None:
    page.goto(url)
    page.get_by_role("heading", name=title).first.wait_for(timeout=30_000)
    for text in texts:
        page.get_by_text(text).first.wait_for(timeout=30_000)
    page.wait_for_timeout(500)  # let charts finish drawing for the screenshot
    assert page.locator('[data-testid="stException"]').count() == 0, f"{url} shows an exception"
    page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=True)


def test_every_page_in_headless_chromium(server, world):
    from playwright.sync_api import sync_playwright

    con = duckdb.connect(str(snapshot_path(world / "warehouse.duckdb")), read_only=True)
    try:
        cluster_id = con.execute("SELECT cluster_id FROM clusters WHERE status = 'active' "
                                 "ORDER BY event_count DESC, cluster_id LIMIT 1").fetchone()[0]
    finally:
        con.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            _open(page, f"{server}/", "Overview", "Error events", "Error volume per day", "Top clusters", shot="overview")
            _open(page, f"{server}/clusters", "Clusters", "cluster(s) with events in the period", shot="clusters")
            _open(page, f"{server}/cluster?cluster={cluster_id}", "Cluster detail", "Representative stack trace",
                  "Suspect commits", "Traceback (most recent call last):", shot="cluster")
            _open(page, f"{server}/attribution", "AI attribution", "Failures by who wrote the crashing line",
                  "Top AI-written crash sites", shot="attribution")
            _open(page, f"{server}/incidents", "Incidents", "incident(s) in the period", shot="incidents")
            _open(page, f"{server}/rules", "Rules & guidance", "Changelog vs the previous pack", "Guidance files",
                  shot="rules")
            _open(page, f"{server}/sql", "SQL", "Saved analysis", shot="sql-empty")
            page.locator("textarea").first.fill("DELETE FROM core.events")
            page.get_by_role("button", name="Run").click()
            page.get_by_text("refused").first.wait_for(timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "sql-refused.png"), full_page=True)
            page.locator("textarea").first.fill("SELECT service, count(*) AS n FROM events GROUP BY 1")
            page.keyboard.press("Control+Enter")  # commit the text area
            page.get_by_role("button", name="Run").click()
            page.get_by_text("row(s)").first.wait_for(timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "sql.png"), full_page=True)
        finally:
            browser.close()
    assert {p.stem for p in ARTIFACTS.glob("*.png")} >= {"overview", "clusters", "cluster", "attribution",
                                                         "incidents", "rules", "sql"}


def test_a_bookmarked_page_is_the_first_request_of_a_fresh_server(server):
    """Filters live in the URL so views can be bookmarked: a deep link must work as the server's very first
    request. (Streamlit runs a `pages/` folder beside the entry script as the old multipage app until the
    first st.navigation call, so such a link once ran the page script without the app around it.)"""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{server}/attribution")
            page.get_by_text("Failures by who wrote the crashing line").first.wait_for(timeout=30_000)
            assert page.locator('[data-testid="stException"]').count() == 0
            nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
            assert "Rules & guidance" in nav and "app" not in nav.split()
        finally:
            browser.close()
