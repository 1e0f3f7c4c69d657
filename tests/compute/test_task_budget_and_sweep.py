"""A task's engine-thread budget (`[compute] task_threads`) and the sweep of output left by killed tasks.

The budget must reach the task's scratch DuckDB and change nothing of its output; the sweep must remove the
unfinished folder of a task that was really killed mid-write (SIGKILL of a real process) and never one a
live task is still filling, nor finished output."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from benchmarks.sources import write_ndjson_events
from models.compute import ComputeSettings
from models.compute.naming import finished, sweep_stale, write_once
from models.compute.sentry import TABLES, transform_sentry_file
from models.config import ConfigError, load_config
from models.sources.ledger import FileLoad
from models.warehouse import connect
from pipelines.compute import LocalRunner, ingest_sentry

PROJECT = Path(__file__).resolve().parents[2]
HOUR = 3600.0


def _config(tmp_path: Path, body: str = ""):
    path = tmp_path / "hindsight.toml"
    path.write_text('[landing]\ndir = "landing"\n' + body, encoding="utf-8")
    return load_config(path)


def test_task_threads_setting(tmp_path):
    assert ComputeSettings.from_config(_config(tmp_path)).task_threads == 1
    assert ComputeSettings.from_config(_config(tmp_path, "[compute]\ntask_threads = 0\n")).task_threads == 0
    with pytest.raises(ConfigError, match="task_threads must be >= 0"):
        _config(tmp_path, "[compute]\ntask_threads = -2\n")
    with pytest.raises(ConfigError, match="tmp_max_age_s must be a positive number"):
        _config(tmp_path, "[compute]\ntmp_max_age_s = 0\n")


def test_scratch_db_takes_the_budget_and_embedded_loads_keep_every_core(tmp_path):
    src = tmp_path / "e.ndjson"
    src.write_text("{}\n", encoding="utf-8")
    pinned, embedded = FileLoad(None, src, "sentry", "ndjson", "x", threads=1), FileLoad(None, src, "sentry", "ndjson", "x")
    try:
        assert pinned.scratch().execute("SELECT current_setting('threads')").fetchone()[0] == 1
        assert embedded.scratch().execute("SELECT current_setting('threads')").fetchone()[0] == max(1, os.cpu_count() or 1)
    finally:
        pinned.close_scratch()
        embedded.close_scratch()


def test_task_output_does_not_depend_on_the_budget(tmp_path):
    src = tmp_path / "events.ndjson"
    write_ndjson_events(src, 3_000, seed=4)
    one = transform_sentry_file(str(src), str(tmp_path / "one"), None, 1)
    every = transform_sentry_file(str(src), str(tmp_path / "every"), None, 0)
    assert Path(one["output"]).name == Path(every["output"]).name  # same content hash name
    files = sorted(p.name for p in Path(one["output"]).iterdir())
    assert files == sorted(p.name for p in Path(every["output"]).iterdir())
    assert any(name.endswith(f"-{TABLES[1]}.parquet") for name in files)
    for name in files:
        if name.endswith(".parquet"):
            assert pq.read_table(Path(one["output"]) / name).equals(pq.read_table(Path(every["output"]) / name)), name


def test_ingest_passes_the_budget_to_every_task(tmp_path):
    config = _config(tmp_path, "[compute]\ntask_threads = 1\n")
    landing = Path(config.landing_dir) / "sentry"
    landing.mkdir(parents=True)
    for no in range(2):
        write_ndjson_events(landing / f"e{no}.ndjson", 500, seed=no + 1)

    class Recording(LocalRunner):  # runs the tasks for real; keeps what they were called with
        def __init__(self):
            self.calls = []

        def map_ordered(self, fn, calls):
            self.calls.extend(calls)
            return super().map_ordered(fn, calls)

    runner = Recording()
    with connect(tmp_path / "w.duckdb") as con:
        reports = ingest_sentry(con, config, runner)
    assert sum(r.loaded for r in reports) == 1_000
    assert [call[3] for call in runner.calls] == [1, 1]


def _killed_mid_write(root: Path) -> Path:
    """A real process runs `write_once`, writes a part, and is SIGKILLed before it finishes: its folder."""
    code = (
        "import sys, time\nfrom pathlib import Path\nfrom models.compute.naming import write_once\n"
        "def fill(tmp):\n    (tmp / 'part-000.parquet').write_bytes(b'x' * 1000)\n"
        "    print('written', flush=True)\n    time.sleep(600)\n"
        "write_once(Path(sys.argv[1]), 'sentry-abc', fill)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(root)], cwd=PROJECT, stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"written"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
    (left,) = [p for p in root.iterdir() if p.name.endswith(".tmp")]
    assert f".{proc.pid}@" in left.name
    return left


def test_a_killed_tasks_folder_is_swept_and_the_task_reruns(tmp_path):
    root = tmp_path / "out"
    left = _killed_mid_write(root)
    assert sweep_stale(root, HOUR) == [left]  # fresh, but its owner is gone
    assert not left.exists()
    done = write_once(root, "sentry-abc", lambda tmp: (tmp / "p").write_text("y") or {"ok": True})
    assert finished(done) and sorted(p.name for p in root.iterdir()) == ["sentry-abc"]


def _tmp_folder(root: Path, owner: str, age_s: float = 0.0) -> Path:
    folder = root / f".sentry-{'a' * 8}.{os.urandom(16).hex()}.{owner}.tmp"
    folder.mkdir(parents=True)
    (folder / "000000-events.parquet").write_bytes(b"x")
    if age_s:
        then = time.time() - age_s
        for path in (folder / "000000-events.parquet", folder):
            os.utime(path, (then, then))
    return folder


def test_sweep_spares_live_tasks_and_finished_output(tmp_path):
    root = tmp_path / "out"
    here = socket.gethostname()
    live = _tmp_folder(root, f"{os.getpid()}@{here}")  # this process: alive, writing
    remote_fresh = _tmp_folder(root, "4242@another-host")  # liveness unknown: judged by age
    remote_old = _tmp_folder(root, "4242@another-host", age_s=2 * HOUR)
    live_but_stalled = _tmp_folder(root, f"{os.getpid()}@{here}", age_s=2 * HOUR)
    finished_old = write_once(root, "sentry-done", lambda tmp: {"n": 0})
    then = time.time() - 5 * HOUR
    os.utime(finished_old, (then, then))
    (root / "notes.tmp").mkdir()  # not a task folder: never touched
    swept = sweep_stale(root, HOUR)
    assert sorted(swept) == sorted([remote_old, live_but_stalled])
    assert live.exists() and remote_fresh.exists() and finished(finished_old) and (root / "notes.tmp").exists()
    assert sweep_stale(tmp_path / "missing", HOUR) == []


def test_ingest_sweeps_what_killed_tasks_left(tmp_path):
    config = _config(tmp_path)
    landing = Path(config.landing_dir) / "sentry"
    landing.mkdir(parents=True)
    write_ndjson_events(landing / "e.ndjson", 300, seed=9)
    root = ComputeSettings.from_config(config).output_root(config)
    left = _killed_mid_write(root)
    with connect(tmp_path / "w.duckdb") as con:
        reports = ingest_sentry(con, config, LocalRunner())
    assert sum(r.loaded for r in reports) == 300
    assert not left.exists() and not any(root.iterdir())  # swept; the run's own output removed once committed
