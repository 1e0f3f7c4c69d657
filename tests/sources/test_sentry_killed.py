"""A killed ingest (SIGKILL mid-file) leaves no partial file; the re-run loads it exactly once."""

import os
import signal
import subprocess
import sys

import pytest

from benchmarks.sources import write_ndjson_events
from models.sources import ingest_path
from models.warehouse import connect

PROJECT_ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
import models.sources.sentry as sentry
from models.warehouse import connect
from models.sources import ingest_path

real = sentry.store_sentry_batch
def announce(*args):  # tell the test when a batch is in (the file's transaction is still open)
    out = real(*args)
    print("batch", flush=True)
    return out
sentry.store_sentry_batch = announce
con = connect(sys.argv[1])
ingest_path(con, sys.argv[2], source="sentry")
print("done", flush=True)
"""


@pytest.mark.slow
def test_kill_mid_file_then_rerun(warehouse_path, tmp_path):
    n = 20_000  # ~68 MB: several NDJSON batches (sentry.BATCH_BYTES = 24 MB)
    big = write_ndjson_events(tmp_path / "big.ndjson", n, seed=31)
    small = write_ndjson_events(tmp_path / "small.ndjson", 10, seed=32)
    con = connect(warehouse_path)
    ingest_path(con, small, source="sentry")  # committed earlier: must survive the kill
    con.close()

    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(warehouse_path), str(big)], cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert proc.stdout.readline().strip() == "batch"  # first batch inserted, the second one is coming
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    con = connect(warehouse_path)
    assert con.execute("SELECT count(*) FROM ingest_files").fetchone()[0] == 1  # only the small file
    assert con.execute("SELECT count(*) FROM events").fetchone()[0] == 10
    assert con.execute("SELECT count(*) FROM frames WHERE event_id NOT IN (SELECT event_id FROM events)").fetchone()[0] == 0
    (report,) = ingest_path(con, big, source="sentry")
    assert (report.read, report.loaded, report.duplicate, report.quarantined) == (n, n, 0, 0)
    assert con.execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchone() == (n + 10, n + 10)
    assert con.execute("SELECT count(*) FROM exceptions").fetchone()[0] == 2 * (n + 10)
    assert con.execute("SELECT count(*) FROM ingest_files").fetchone()[0] == 2
    con.close()
