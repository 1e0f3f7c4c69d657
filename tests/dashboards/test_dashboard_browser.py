"""End to end in real headless Chromium: `hindsight dashboard` serves every page; screenshots are saved.

Screenshots at 1366x768 and 1920x1080, first screen and whole page:
test-artifacts/dashboard/<page>-<w>x<h>[-full].png (git-ignored).
"""

from __future__ import annotations

import os
import re
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


VIEWPORTS = [(1366, 768), (1920, 1080)]
RANKED_ROWS = 10  # the Overview ranks this many patterns in its first screen


def _settle(page) -> None:
    """Wait until Streamlit has finished running the page (its status widget is gone for a moment)."""
    quiet = 0
    for _ in range(200):
        quiet = quiet + 1 if page.locator('[data-testid="stStatusWidget"]').count() == 0 else 0
        if quiet >= 4:
            break
        page.wait_for_timeout(250)
    page.wait_for_timeout(500)  # let charts finish drawing for the screenshot


def _open(page, url: str, title: str, *texts: str, shot: str) -> None:
    """Open `url`, wait for its title and texts, check it shows no exception and no "Page not found", and save
    the first screen and the whole page as test-artifacts/dashboard/<shot>-<w>x<h>[-full].png."""
    page.goto(url)
    page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
    for text in texts:
        page.get_by_text(text).first.wait_for(timeout=60_000)
    _settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0, f"{url} shows an exception"
    assert page.get_by_text("Page not found").count() == 0, f"{url} shows 'Page not found'"
    size = page.viewport_size
    tag = f"{shot}-{size['width']}x{size['height']}"
    page.screenshot(path=str(ARTIFACTS / f"{tag}.png"))
    full = page.evaluate("Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": size["width"], "height": min(int(full) + 40, 12_000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / f"{tag}-full.png"))
    page.set_viewport_size(size)
    page.wait_for_timeout(300)


def _ranking_in_first_screen(page, expected: list[tuple]) -> None:
    """The ranking table sits inside the first viewport and its number columns are drawn there.

    The grid is a canvas; its accessible table holds only the cells the grid draws (columns are virtualized), so a
    cell of the `requests` / `events` columns present there is a number visible on screen."""
    grid = page.locator('[data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    size = page.viewport_size
    assert box and box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= size["width"] and box["y"] + box["height"] <= size["height"], (box, size)
    rows = []
    for row in range(2, 2 + len(expected)):  # aria row 1 is the header
        cells = grid.locator(f'[role="row"][aria-rowindex="{row}"] [role="gridcell"]')
        values = {cells.nth(i).get_attribute("aria-colindex"): cells.nth(i).inner_text() for i in range(cells.count())}
        rows.append(values)
    shown = [(re.search(r"cluster=([^&]+)", r.get("2", "")).group(1), int(r["4"].replace(",", "")),
              int(r["3"].replace(",", ""))) for r in rows]
    assert shown == expected
    for r in rows:
        assert {"5", "6", "7"} <= set(r), "incidents, services and trend are drawn too"


def test_every_page_in_headless_chromium(server, world):
    from playwright.sync_api import sync_playwright
    from test_dashboard_pages import expected_patterns

    con = duckdb.connect(str(snapshot_path(world / "warehouse.duckdb")), read_only=True)
    try:
        cluster_id = con.execute("SELECT cluster_id FROM clusters WHERE status = 'active' "
                                 "ORDER BY event_count DESC, cluster_id LIMIT 1").fetchone()[0]
        version, rule = con.execute("SELECT pack_version, rule_id FROM core.rules WHERE engine = 'semgrep' "
                                    "ORDER BY pack_version DESC, rule_id LIMIT 1").fetchone()
        expected = expected_patterns(con)[:RANKED_ROWS]
    finally:
        con.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for width, height in VIEWPORTS:
                page = browser.new_page(viewport={"width": width, "height": height})
                for route in ("", "overview"):
                    _open(page, f"{server}/{route}", "Overview", "Cost over time, top patterns", "Freshness",
                          shot=route or "root")
                    _ranking_in_first_screen(page, expected)
                    page.get_by_text("Since ").first.wait_for(timeout=10_000)
                    assert page.get_by_text("Since ").first.bounding_box()["y"] < height, "release changes on screen"
                _open(page, f"{server}/clusters", "Clusters", "pattern(s) with failures in the selection",
                      shot="clusters")
                _open(page, f"{server}/cluster?cluster={cluster_id}", "Cluster detail", "Example stack trace",
                      "Suspect commits", "Traceback (most recent call last):", shot="cluster")
                _open(page, f"{server}/attribution", "AI attribution", "Failing lines per 1,000 lines written",
                      "Top AI-written crash sites", shot="attribution")
                _open(page, f"{server}/incidents", "Incidents", "incident(s) overlapping", shot="incidents")
                _open(page, f"{server}/rules", "Rules & guidance", "Changelog vs the previous pack", "Guidance files",
                      shot="rules")
                _open(page, f"{server}/pack_file?version={version}&file=hindsight-semgrep.yaml&rule={rule}",
                      "Rule pack file", "This rule", shot="pack_file")
                _open(page, f"{server}/sql", "SQL", "Saved analysis", shot="sql-empty")
                page.close()
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(f"{server}/sql")
            page.get_by_role("heading", name="SQL").first.wait_for(timeout=60_000)
            page.locator("textarea").first.fill("DELETE FROM core.events")
            page.get_by_role("button", name="Run").click()
            page.get_by_text("refused").first.wait_for(timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "sql-refused-1366x768.png"), full_page=True)
            page.locator("textarea").first.fill("SELECT service, count(*) AS n FROM events GROUP BY 1")
            page.keyboard.press("Control+Enter")  # commit the text area
            page.get_by_role("button", name="Run").click()
            page.get_by_text("row(s)").first.wait_for(timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "sql-1366x768.png"), full_page=True)
        finally:
            browser.close()
    shots = {p.stem for p in ARTIFACTS.glob("*.png")}
    for name in ("root", "overview", "clusters", "cluster", "attribution", "incidents", "rules", "pack_file",
                 "sql-empty"):
        for width, height in VIEWPORTS:
            assert {f"{name}-{width}x{height}", f"{name}-{width}x{height}-full"} <= shots, name


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
            page.get_by_text("Failing lines per 1,000 lines written").first.wait_for(timeout=60_000)
            assert page.locator('[data-testid="stException"]').count() == 0
            nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
            assert "Rules & guidance" in nav and "app" not in nav.split()
            page.goto(f"{server}/overview?service=shop-worker")  # a bookmarked Overview with a filter
            page.get_by_text("Cost over time, top patterns").first.wait_for(timeout=60_000)
            assert page.get_by_text("Page not found").count() == 0
            # the sidebar is its own part of the page: its filter may be drawn after the main column's text
            chip = page.locator('[data-testid="stMultiSelect"]').get_by_text("shop-worker")
            chip.first.wait_for(timeout=30_000)
            assert chip.count() == 1
        finally:
            browser.close()
