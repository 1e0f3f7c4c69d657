"""Where the compute layer's tasks run: in the pipeline's process (`[compute] mode = "local"`, the
default) or on a Dask distributed cluster (`mode = "dask"`, `scheduler = "tcp://..."`).

The assets hand their tasks to `ComputeResource`; results come back in submission order, so the single
committer (this process, the only warehouse writer) loads files in the order the embedded run does
while the workers go on with the next ones. A lost worker is Dask's business: the scheduler re-runs its
tasks elsewhere, and since a task's output is named by the content hash of its input
(models/compute/naming.py), a re-run rewrites the same folder. Only when Dask gives up (scheduler
unreachable or lost, a task's workers died `distributed.scheduler.allowed-failures` times) does the run
fail, with `ComputeError`, before the affected file's transaction: nothing of it is committed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from models.compute import ComputeError, ComputeSettings
from models.compute.naming import sweep_stale, task_key
from models.compute.sentry import remove_output, sentry_loader, transform_sentry_file
from models.config import Config
from models.sources.ingest import (
    SPOOL_SUFFIX,
    IngestError,
    _drop_spool_segment,
    bounded_memory,
    ingest_file,
    list_files,
)
from models.sources.ledger import FileReport
from models.sources.spool import seal_orphans
from pipelines.warehouse_state import ingested_files

START_HINT = ("start one with `dask scheduler` and workers with `dask worker <address>` (README \"Beyond one "
              "machine\"), or set [compute] mode = \"local\" in hindsight.toml")


class DaskRunner:
    """Tasks submitted to a Dask distributed scheduler; results yielded in submission order."""

    def __init__(self, client, scheduler: str):
        self.client = client
        self.scheduler = scheduler

    @classmethod
    @contextmanager
    def connect(cls, settings: ComputeSettings) -> Iterator[DaskRunner]:
        from distributed import Client

        try:
            client = Client(settings.scheduler, timeout=settings.connect_timeout_s, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ComputeError(f"cannot reach the Dask scheduler at {settings.scheduler}: {exc}; {START_HINT}") from exc
        try:
            try:
                client.wait_for_workers(1, timeout=settings.connect_timeout_s)
            except (OSError, TimeoutError) as exc:
                raise ComputeError(f"no Dask worker is connected to the scheduler at {settings.scheduler} "
                                   f"(waited {settings.connect_timeout_s:g} s); {START_HINT}") from exc
            yield cls(client, settings.scheduler)
        finally:
            client.close()

    def map_ordered(self, fn: Callable, calls: list[tuple]) -> Iterator:
        from distributed import CancelledError, KilledWorker
        from distributed.comm.core import CommClosedError

        futures = [self.client.submit(fn, *args, key=task_key(fn.__name__, args=args, pid=os.getpid(), no=i),
                                      pure=False)
                   for i, args in enumerate(calls)]
        try:
            for future in futures:
                try:
                    yield future.result()
                except (KilledWorker, CancelledError, CommClosedError, TimeoutError) as exc:
                    raise ComputeError(f"the Dask cluster at {self.scheduler} failed a task: "
                                       f"{type(exc).__name__}: {exc}") from exc
        finally:
            for future in futures:
                future.release()


class LocalRunner:
    """Tasks run one after the other in this process, when asked for (the same order as on Dask)."""

    def map_ordered(self, fn: Callable, calls: list[tuple]) -> Iterator:
        return (fn(*args) for args in calls)


class ComputeResource(dg.ConfigurableResource):
    """Runs compute tasks per `[compute]` of hindsight.toml; a non-empty field here overrides it.

    The assets build it themselves (`ComputeResource()`, i.e. the configuration file decides) rather than
    asking Dagster for a `compute` resource key, so definitions made with only `duckdb` and `hindsight`
    (tests, other code locations) keep working."""

    mode: str = ""
    scheduler: str = ""

    def settings(self, config: Config) -> ComputeSettings:
        settings = ComputeSettings.from_config(config)
        overrides = {k: v for k, v in (("mode", self.mode), ("scheduler", self.scheduler)) if v}
        if overrides:
            from dataclasses import replace

            settings = replace(settings, **overrides)
        return settings

    @contextmanager
    def runner(self, config: Config) -> Iterator[DaskRunner | None]:
        """A DaskRunner connected to the cluster, or None in local mode (the embedded ingest)."""
        settings = self.settings(config)
        if settings.mode == "local":
            yield None
            return
        with DaskRunner.connect(settings) as runner:
            yield runner


def preflight(config: Config) -> None:
    """With `[compute] mode = "dask"`: fail now, with `ComputeError`, when the scheduler cannot be reached or
    has no worker, so a run never starts to commit and then stops half-way for want of a cluster."""
    settings = ComputeSettings.from_config(config)
    if settings.mode == "dask":
        with DaskRunner.connect(settings):
            pass


def ingest_sentry(con: duckdb.DuckDBPyConnection, config: Config, runner, *,
                  on_error: Callable[[Path, IngestError], None] | None = None) -> list[FileReport]:
    """`ingest.ingest_source(con, config, "sentry")` with the transform on the runner's workers.

    Files already in the ledger are not sent to the workers (by path, size and mtime, else by content
    hash: `warehouse_state.ingested_files`); they are reported as the embedded run reports them. Unfinished
    output of tasks killed in earlier runs is swept first (`naming.sweep_stale`)."""
    folder = Path(config.landing_dir) / "sentry"
    if not folder.is_dir():
        return []
    seal_orphans(folder, SPOOL_SUFFIX["sentry"])
    files = list_files(folder)
    known = ingested_files(con, {str(p): f"{p.stat().st_mtime_ns}:{p.stat().st_size}" for p in files})
    settings = ComputeSettings.from_config(config)
    root = str(settings.output_root(config))
    sweep_stale(Path(root), settings.tmp_max_age_s)
    results = runner.map_ordered(transform_sentry_file, [(str(p), root, None, settings.task_threads)
                                                         for p in files if str(p) not in known])
    reports = []
    con.execute("SET enable_progress_bar = false")
    with bounded_memory(con):
        for path in files:
            result = None if str(path) in known else next(results)
            try:
                if result is not None and "error" in result:
                    message = result["error"]
                    raise IngestError(message if message.startswith(str(path)) else f"{path}: {message}")
                loader = sentry_loader(Path(result["output"])) if result else None
                report = ingest_file(con, path, "sentry", config=config, loader=loader)
            except IngestError as exc:
                if on_error is None:
                    raise
                on_error(path, exc)
                continue
            if result is not None:
                remove_output(result)
            reports.append(report)
            _drop_spool_segment(path, "sentry", config)
    return reports
