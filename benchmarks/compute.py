"""Benchmark of the compute layer: Sentry ingest on a Dask cluster (1 and 2 workers) vs the embedded run.

    .venv/bin/python -m benchmarks.run compute      # HINDSIGHT_BENCH_COMPUTE_EVENTS=200000 for a quick look
    # HINDSIGHT_BENCH_COMPUTE_TASK_THREADS=0: the Dask runs with every core per task (the old behaviour)

The parallel stage is the Sentry transform (scrub, validate, parse, flatten: `transform_sentry_file`),
one task per file; the committer (this process) loads the tasks' Parquet parts through the ingest ledger.
Rounds alternate (embedded, Dask 1 worker, Dask 2 workers, ...) because the machine is shared; every
figure is a ratio against its peer of the same round, and the load average is printed beside it.

Figures:
- `parallel_speedup_2_vs_1`: events/s of the tasks alone (submit to last result, no commit), 2 workers
  over 1 worker (bar: >= 1.6);
- `dask_1_worker_vs_embedded`: total ingest time (tasks + commit, overlapped) with 1 worker over the
  embedded run's (bar: <= 1.15); `total_vs_slower_of_tasks_and_commit` checks the overlap (1.0 = full);
  `dask_1w_cpu_vs_embedded_cpu`: the CPU seconds of that run (committer + worker) over the embedded run's,
  the work distribution adds whatever the cores each side may use;
- `worker_cores_*`: CPU seconds of the worker processes over the wall time (from /proc): the cores one
  `--nthreads 1` worker really keeps busy, with its task at `[compute] task_threads` (default 1) and, as
  the peer in the same round, at every core (`tasks_1w_all_cores_s`, the old behaviour);
- `projection`: events/day per worker from the measured per-task cost, the committer's load rate
  (commit of finished task output alone), and the worker count at which the committer saturates.
"""

from __future__ import annotations

import importlib
import os
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks.dask_cluster import DaskCluster
from benchmarks.sources import write_ndjson_events
from models.compute.sentry import transform_sentry_file
from models.config import load_config
from models.sources.ingest import ingest_source
from models.warehouse import connect

EVENTS = int(os.environ.get("HINDSIGHT_BENCH_COMPUTE_EVENTS", "1000000"))
FILES = int(os.environ.get("HINDSIGHT_BENCH_COMPUTE_FILES", "20"))
ROUNDS = int(os.environ.get("HINDSIGHT_BENCH_COMPUTE_ROUNDS", "2"))
# `[compute] task_threads` of the Dask runs (default 1: a worker's one thread); 0 = every core, as before
TASK_THREADS = os.environ.get("HINDSIGHT_BENCH_COMPUTE_TASK_THREADS", "")


def _world(root: Path) -> Path:
    landing = root / "landing" / "sentry"
    landing.mkdir(parents=True)
    per_file = EVENTS // FILES
    for no in range(FILES):
        write_ndjson_events(landing / f"events-{no:03d}.ndjson", per_file, seed=no + 1)
    config = root / "hindsight.toml"
    compute = f"\n[compute]\ntask_threads = {int(TASK_THREADS)}\n" if TASK_THREADS else ""
    config.write_text('[landing]\ndir = "landing"\n' + compute, encoding="utf-8")
    return config


def _fresh(root: Path, name: str) -> duckdb.DuckDBPyConnection:
    path = root / f"{name}.duckdb"
    for stale in root.glob(f"{name}.duckdb*"):
        stale.unlink()
    return connect(path)


def _clear_output(config) -> None:
    shutil.rmtree(Path(config.landing_dir) / ".compute", ignore_errors=True)


def _embedded(root: Path, config) -> tuple[float, float]:
    """(seconds, CPU seconds of this process, every thread)."""
    con = _fresh(root, "embedded")
    cpu, started = time.process_time(), time.perf_counter()
    ingest_source(con, config, "sentry")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    con.close()
    return seconds, cpu


def _dask_total(root: Path, config, runner, pids: list[int]) -> tuple[float, float]:
    """(seconds, CPU seconds of the committer (this process) and the workers together)."""
    from pipelines.compute import ingest_sentry

    _clear_output(config)
    con = _fresh(root, "dask")
    cpu, started = time.process_time() + _cpu_s(pids), time.perf_counter()
    reports = ingest_sentry(con, config, runner)
    seconds, cpu = time.perf_counter() - started, time.process_time() + _cpu_s(pids) - cpu
    assert sum(r.loaded for r in reports) == EVENTS // FILES * FILES
    con.close()
    return seconds, cpu


def _tasks_only(config, runner, threads: int, pids: list[int]) -> tuple[float, list[dict], float]:
    """Every file's task, submit to last result: (seconds, results, CPU seconds the worker processes used)."""
    _clear_output(config)
    files = sorted((Path(config.landing_dir) / "sentry").iterdir())
    root = str(Path(config.landing_dir) / ".compute")
    cpu = _cpu_s(pids)
    started = time.perf_counter()
    results = list(runner.map_ordered(transform_sentry_file, [(str(p), root, None, threads) for p in files]))
    return time.perf_counter() - started, results, _cpu_s(pids) - cpu


def _cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of these processes and their live descendants (Linux /proc; 0 elsewhere):
    how many cores a worker really kept busy, whatever its `--nthreads` says."""
    tick, total, todo = os.sysconf("SC_CLK_TCK"), 0.0, list(pids)
    while todo:
        pid = todo.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


def _commit_only(root: Path, config, results: list[dict]) -> float:
    """The committer alone: every task's output is ready, only the ledger transactions remain."""
    from models.compute.sentry import sentry_loader
    from models.sources.ingest import bounded_memory, ingest_file

    con = _fresh(root, "commit")
    started = time.perf_counter()
    with bounded_memory(con):
        for result in results:
            ingest_file(con, Path(result["path"]), "sentry", config=config, loader=sentry_loader(Path(result["output"])))
    seconds = time.perf_counter() - started
    con.close()
    return seconds


def run() -> dict:
    from models.compute import ComputeSettings
    from pipelines.compute import DaskRunner

    root = Path(tempfile.mkdtemp(prefix="hs-bench-compute-"))
    try:
        t0 = time.perf_counter()
        config = load_config(_world(root))
        figures: dict = {"events": EVENTS // FILES * FILES, "files": FILES, "task_threads": config.compute.task_threads,
                         "generate_s": round(time.perf_counter() - t0, 1), "cores": os.cpu_count(), "rounds": []}
        for no in range(ROUNDS):
            r: dict = {"load_avg_1m_start": round(os.getloadavg()[0], 1)}
            embedded_s, embedded_cpu_s = _embedded(root, config)
            r["embedded_s"], r["embedded_cpu_s"] = round(embedded_s, 2), round(embedded_cpu_s, 1)
            threads = config.compute.task_threads
            for workers in (1, 2):
                with DaskCluster(root / f"dask-{no}-{workers}", workers=workers, threads=1) as cluster:
                    settings = ComputeSettings(mode="dask", scheduler=cluster.address, connect_timeout_s=60)
                    pids = [w.pid for w in cluster.workers]
                    with DaskRunner.connect(settings) as runner:
                        runner.client.run(importlib.import_module, "models.compute.sentry")  # warm, as in a service
                        tasks_s, results, cpu_s = _tasks_only(config, runner, threads, pids)
                        r[f"tasks_{workers}w_s"] = round(tasks_s, 2)
                        r[f"worker_cores_{workers}w"] = round(cpu_s / tasks_s, 2)  # all workers together
                        if workers == 1:
                            r["commit_only_s"] = round(_commit_only(root, config, results), 2)
                            total_s, total_cpu_s = _dask_total(root, config, runner, pids)
                            r["dask_1w_total_s"], r["dask_1w_cpu_s"] = round(total_s, 2), round(total_cpu_s, 1)
                            if threads != 0:  # the peer: the same worker, its task on every core (the old default)
                                all_s, _, all_cpu_s = _tasks_only(config, runner, 0, pids)
                                r["tasks_1w_all_cores_s"] = round(all_s, 2)
                                r["worker_cores_1w_all_cores"] = round(all_cpu_s / all_s, 2)
            r["load_avg_1m_end"] = round(os.getloadavg()[0], 1)
            r["parallel_speedup_2_vs_1"] = round(r["tasks_1w_s"] / r["tasks_2w_s"], 2)
            r["dask_1_worker_vs_embedded"] = round(r["dask_1w_total_s"] / r["embedded_s"], 3)
            # the work distribution adds (Parquet out and back in, Dask), whatever the cores: CPU over CPU
            r["dask_1w_cpu_vs_embedded_cpu"] = round(r["dask_1w_cpu_s"] / r["embedded_cpu_s"], 3)
            # 1.0 = the committer's loads hide entirely behind the worker's tasks (or the reverse)
            r["total_vs_slower_of_tasks_and_commit"] = round(
                r["dask_1w_total_s"] / max(r["tasks_1w_s"], r["commit_only_s"]), 3)
            figures["rounds"].append(r)
            print(r, flush=True)
        best = lambda key: min(x[key] for x in figures["rounds"])  # the least disturbed round
        n = figures["events"]
        task_rate = n / best("tasks_1w_s")  # events/s one worker transforms
        commit_rate = n / best("commit_only_s")  # events/s the single committer loads
        figures["parallel_speedup_2_vs_1"] = [x["parallel_speedup_2_vs_1"] for x in figures["rounds"]]
        figures["dask_1_worker_vs_embedded"] = [x["dask_1_worker_vs_embedded"] for x in figures["rounds"]]
        figures["projection"] = {
            "worker_events_per_s": round(task_rate),
            "worker_events_per_day": round(task_rate * 86400),
            "committer_events_per_s": round(commit_rate),
            "committer_events_per_day": round(commit_rate * 86400),
            "workers_at_committer_saturation": round(commit_rate / task_rate, 1),
        }
        return figures
    finally:
        shutil.rmtree(root, ignore_errors=True)
