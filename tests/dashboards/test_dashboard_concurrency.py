"""Pages reload with zero errors while another process holds the warehouse and keeps publishing snapshots."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from dash_world import PAGES, PROJECT, open_page

WRITER = Path(__file__).with_name("snapshot_writer.py")


def test_reloads_while_a_writer_publishes_snapshots(world, tmp_path, use_warehouse):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(world / "warehouse.duckdb", warehouse)
    shutil.copy(world / "warehouse.snapshot.duckdb", tmp_path / "warehouse.snapshot.duckdb")
    use_warehouse(warehouse, world / "hindsight.toml")
    writer = subprocess.Popen([sys.executable, str(WRITER), str(warehouse), str(tmp_path / "work"), "12"],
                              cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**__import__("os").environ, "PYTHONPATH": str(PROJECT)})
    reloads, errors, versions = 0, [], set()
    try:
        # Reload for as long as the writer runs (12 s, longer on a loaded machine until it has published
        # 3 snapshots); the safety deadline only stops a hung writer.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and writer.poll() is None:
            for page in PAGES:
                at = open_page(page)
                reloads += 1
                errors += [f"{page}: {e.value}" for e in [*at.exception, *at.error]]
                versions.add((tmp_path / "warehouse.snapshot.duckdb").stat().st_mtime_ns)
    finally:
        out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err[-2000:]
    published = out.count("snapshot ")
    assert errors == [], errors[:5]
    assert reloads >= len(PAGES), reloads
    assert published >= 2 and len(versions) >= 2, (published, len(versions))
