"""The pipeline on a real Dask cluster (`dask scheduler` + two `dask worker` processes on 127.0.0.1)
writes the same warehouse as the embedded run: every `core.*` table, rows compared after a stable sort,
cluster ids included; also when a worker is killed mid-run; and an unreachable scheduler fails the run
with a clear error before anything is committed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from benchmarks.dask_cluster import DaskCluster
from demo import scale as scaling
from demo.generate import generate
from pipelines.runner import materialize_all

pytestmark = pytest.mark.slow

# Columns that say WHEN a row was written (and the pack version and files that embed that time): they
# differ between two embedded runs of the same world (measured: two runs, every core column compared),
# so they cannot be compared between an embedded and a Dask run either (core.quarantine.quarantined_at: by
# the same reading, the demo world quarantines nothing of its own). Every other column is.
RUN_TIME_COLUMNS = {
    "attribution_state": {"updated_at"}, "blamed_files": {"blamed_at"}, "cluster_flags": {"flagged_at"},
    "cluster_id_checkpoint": {"recorded_at"}, "cluster_members": {"assigned_at"},
    "clusters": {"created_at", "updated_at"}, "events": {"ingested_at"}, "grouping_configs": {"first_used_at"},
    "guidance_files": {"pack_version", "content"}, "incidents": {"ingested_at"},
    "ingest_files": {"started_at", "finished_at"}, "log_records": {"ingested_at"},
    "log_template_patterns": {"created_at"}, "pack_evaluations": {"pack_version", "evaluated_at"},
    "quarantine": {"quarantined_at"},
    "pipeline_runs": {"run_id", "started_at", "finished_at"}, "repositories": {"ingested_at"},
    "risk_diffs": {"read_at"}, "risk_models": {"created_at"}, "risk_scores": {"scored_at"},
    "risk_state": {"updated_at"}, "risk_szz_fixes": {"processed_at"},
    "rule_evaluations": {"pack_version", "evaluated_at"},
    "rule_packs": {"version", "created_at", "path", "manifest", "changelog"}, "rules": {"pack_version"},
}
# The tables of the stages the killed run selects (sources, signatures, cluster ids); the others, such as
# cluster_flags whose text names the commit attribution found, need stages outside that selection.
SELECTED_TABLES = ("ingest_files", "quarantine", "events", "exceptions", "frames", "thread_frames", "log_records",
                   "incidents", "event_fingerprints", "log_templates", "log_record_templates", "log_template_patterns",
                   "grouping_configs", "signature_lineage", "clusters", "cluster_members")
SEED, SCALE = 11, 3
WORKER_TASKS = ("transform_sentry_file", "type_partition")


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    saved, scaling.CHUNK = scaling.CHUNK, 400  # several scaled files: several tasks per run
    try:
        out = tmp_path_factory.mktemp("compute") / "world"
        generate(out, seed=SEED, scale=SCALE)
    finally:
        scaling.CHUNK = saved
    # records the readers must quarantine or count as duplicates, so both runs exercise that accounting
    sentry = out / "landing" / "sentry"
    first = (sentry / "scaled-000.ndjson").read_bytes().split(b"\n", 1)[0]
    (sentry / "zz-damaged.ndjson").write_bytes(b"\n".join([
        first, b'{"event_id": "not closed', b"\xff\xfe invalid utf-8", b"[1, 2]", b'{"event_id": 7}', first]) + b"\n")
    return out


def run(world: Path, name: str, compute: str = "", selection: str | None = None) -> Path:
    """One pipeline run of the world into `name.duckdb` (same landing folder and repository)."""
    config = world / f"{name}.toml"
    config.write_text((world / "hindsight.toml").read_text() + compute, encoding="utf-8")
    warehouse = world / f"{name}.duckdb"
    saved = {k: os.environ.get(k) for k in ("HINDSIGHT_CONFIG", "HINDSIGHT_WAREHOUSE")}
    try:
        result = materialize_all(config, warehouse, selection=selection, raise_on_error=True)
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    assert result.success
    return warehouse


def dask_section(address: str) -> str:
    return f'\n[compute]\nmode = "dask"\nscheduler = "{address}"\nconnect_timeout_s = 60\n'


@pytest.fixture(scope="module")
def embedded(world) -> Path:
    return run(world, "embedded")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with DaskCluster(tmp_path_factory.mktemp("dask"), workers=2) as started:
        yield started


def core_tables(warehouse: Path) -> dict[str, list[tuple]]:
    """Every core table's rows without the run-time columns, sorted (a stable, total order: ORDER BY ALL)."""
    out = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'core' ORDER BY 1").fetchall()]
        for table in tables:
            skip = RUN_TIME_COLUMNS.get(table, set())
            cols = [c for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'core' AND table_name = ? "
                "ORDER BY column_index", [table]).fetchall() if c not in skip]
            select = ", ".join(f'"{c}"' for c in cols) or "count(*)"  # only run-time columns: compare the count
            out[table] = con.execute(f'SELECT {select} FROM core."{table}" ORDER BY ALL').fetchall()
    return out


def assert_same_tables(got: dict, want: dict, tables=None) -> None:
    assert set(got) == set(want)
    for table in sorted(tables or want):
        assert len(got[table]) == len(want[table]), table
        assert got[table] == want[table], f"core.{table} differs from the embedded run"


def tasks_run_on(client) -> dict[str, int]:
    """How many tasks of each compute kind the scheduler has seen finish on a worker."""
    def count(dask_scheduler):
        seen: dict[str, int] = {}
        for key, start, finish, *_ in dask_scheduler.transition_log:
            if finish == "memory":
                kind = str(key).split("-")[0]
                seen[kind] = seen.get(kind, 0) + 1
        return seen
    return client.run_on_scheduler(count)


def test_dask_run_writes_the_same_warehouse_as_the_embedded_run(world, embedded, cluster):
    warehouse = run(world, "dask", dask_section(cluster.address))
    with cluster.client() as client:
        done = tasks_run_on(client)
    assert done.get("transform_sentry_file", 0) == len(list((world / "landing" / "sentry").iterdir()))
    assert done.get("type_partition", 0) >= 1
    want, got = core_tables(embedded), core_tables(warehouse)
    assert len(want["events"]) > 1000 and len(want["clusters"]) > 5 and len(want["log_record_templates"]) > 1000
    assert_same_tables(got, want)
    assert not any((world / "landing" / ".compute").glob("[!.]*"))  # committed task output is removed


def _kill_a_busy_worker(cluster: DaskCluster, killed: dict, stop: threading.Event) -> None:
    """Wait until a worker is running a compute task, then SIGKILL its process group (nanny and worker)."""
    with cluster.client() as client:
        while not stop.is_set():
            for address, keys in client.processing().items():
                busy = [k for k in keys if str(k).split("-")[0] in WORKER_TASKS]
                if busy:
                    pid = client.run(os.getpid, workers=[address])[address]  # the worker process (under its nanny)
                    for proc in cluster.workers:
                        if os.getpgid(pid) == proc.pid:
                            cluster.kill(proc)
                            killed.update(address=address, keys=busy)
                            return
            time.sleep(0.02)


def test_a_worker_killed_mid_run_changes_nothing(world, embedded, tmp_path):
    selection = "group:sources or group:signatures or group:clusters"
    with DaskCluster(tmp_path / "dask", workers=2) as cluster:
        killed: dict = {}
        stop = threading.Event()
        killer = threading.Thread(target=_kill_a_busy_worker, args=(cluster, killed, stop), daemon=True)
        killer.start()
        try:
            warehouse = run(world, "killed", dask_section(cluster.address), selection=selection)
        finally:
            stop.set()
            killer.join(timeout=30)
        assert killed, "no worker was busy with a compute task while the run went on"
        assert sum(proc.poll() is not None for proc in cluster.workers) == 1
    got, want = core_tables(warehouse), core_tables(embedded)
    assert all(got[t] for t in ("events", "frames", "quarantine", "log_record_templates", "clusters", "cluster_members"))
    assert_same_tables(got, want, SELECTED_TABLES)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) - count(DISTINCT event_id) FROM core.events").fetchone() == (0,)
        assert con.execute("SELECT count(*) - count(DISTINCT file_id) FROM core.ingest_files").fetchone() == (0,)


def test_unreachable_scheduler_is_a_clear_error_and_commits_nothing(world, tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = world / "unreachable.toml"
    config.write_text((world / "hindsight.toml").read_text()
                      + f'\n[compute]\nmode = "dask"\nscheduler = "tcp://127.0.0.1:{port}"\nconnect_timeout_s = 3\n')
    warehouse = tmp_path / "w.duckdb"
    hindsight = Path(sys.executable).with_name("hindsight")
    proc = subprocess.run([str(hindsight), "--config", str(config), "--warehouse", str(warehouse), "run"],
                          check=False, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HINDSIGHT_DAGSTER_EPHEMERAL": "1"})
    assert proc.returncode == 5, proc.stderr
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in proc.stderr
    assert "dask scheduler" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 3
    if warehouse.exists():  # nothing was committed: no ledger row, no event
        with duckdb.connect(str(warehouse), read_only=True) as con:
            assert con.execute("SELECT (SELECT count(*) FROM core.ingest_files) + (SELECT count(*) FROM core.events)"
                               ).fetchone() == (0,)
