"""A real Dask cluster on 127.0.0.1 for the compute tests and benchmark: `dask scheduler` and `dask worker` processes
started from this project's virtualenv, on ports the OS picks (other test runs share the machine)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DASK = str(Path(sys.executable).with_name("dask"))


class DaskCluster:
    def __init__(self, workdir: Path, workers: int = 2, threads: int = 1):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.scheduler_file = self.workdir / "scheduler.json"
        self.n_workers, self.threads = workers, threads
        self.scheduler: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.address = ""

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115  (closed with the process)
        env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False", "PYTHONUNBUFFERED": "1"}
        return subprocess.Popen([DASK, *args], cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)

    def start(self, timeout: float = 120) -> DaskCluster:
        self.scheduler = self._spawn(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                      "--scheduler-file", str(self.scheduler_file)], "scheduler")
        deadline = time.monotonic() + timeout
        while not self.scheduler_file.exists():
            if self.scheduler.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dask scheduler did not start: {(self.workdir / 'scheduler.log').read_text()}")
            time.sleep(0.2)
        time.sleep(0.3)  # the file is written before it is complete on some systems
        self.address = json.loads(self.scheduler_file.read_text())["address"]
        for _ in range(self.n_workers):
            self.add_worker()
        self.wait_for_workers(self.n_workers, deadline)
        return self

    def add_worker(self) -> subprocess.Popen:
        no = len(self.workers)
        worker = self._spawn(["worker", self.address, "--host", "127.0.0.1", "--nthreads", str(self.threads),
                              "--nworkers", "1", "--no-dashboard", "--memory-limit", "0",
                              "--local-directory", str(self.workdir / f"worker-{no}")], f"worker-{no}")
        self.workers.append(worker)
        return worker

    def client(self):
        from distributed import Client

        return Client(self.address, timeout=30, set_as_default=False)

    def wait_for_workers(self, n: int, deadline: float) -> None:
        with self.client() as client:
            client.wait_for_workers(n, timeout=max(1.0, deadline - time.monotonic()))

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL a process we started (no clean shutdown: what a crashed machine looks like)."""
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)

    def stop(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in [*self.workers, self.scheduler]:
            if proc is None:
                continue
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
