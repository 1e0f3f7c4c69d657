"""A real `hindsight serve` process for the live-ingest tests: temp config, keys made by the CLI, a free
port on 127.0.0.1, started and stopped by PID."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HINDSIGHT = str(Path(sys.executable).parent / "hindsight")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveWorld:
    root: Path
    port: int = 0
    proc: subprocess.Popen | None = None
    log_path: Path | None = None
    starts: int = 0
    extra_serve_args: list[str] = field(default_factory=list)

    @property
    def config(self) -> Path:
        return self.root / "hindsight.toml"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("HINDSIGHT_WAREHOUSE", "SENTRY_DSN")}
        env["HINDSIGHT_CONFIG"] = str(self.config)
        env["DAGSTER_HOME"] = str(self.root / "dagster_home")
        return env

    def write_config(self) -> None:
        (self.root / "dagster_home").mkdir(exist_ok=True)
        (self.root / "dagster_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        self.config.write_text(
            f'[warehouse]\npath = "{self.warehouse}"\n[landing]\ndir = "{self.landing}"\n'
            f'[serve]\npublic_url = "http://127.0.0.1:{self.port}"\n'
        )

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        res = subprocess.run([HINDSIGHT, *args], check=False, env=self.env(), capture_output=True, text=True,
                             timeout=600)
        if check and res.returncode != 0:
            raise AssertionError(f"hindsight {' '.join(args)} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
        return res

    def create_key(self, project: str, *extra: str) -> tuple[str, str, int]:
        """(dsn, key, project_id) of a new key."""
        dsn = self.cli("keys", "create", "--project", project, *extra).stdout.strip()
        key = dsn.split("//", 1)[1].split("@", 1)[0]
        return dsn, key, int(dsn.rsplit("/", 1)[1])

    def start(self, *args: str) -> None:
        self.port = self.port or free_port()
        for _ in range(3):  # the free port may be taken between asking and binding: try another
            self.write_config()
            self.log_path = self.root / f"serve-{self.starts}.log"
            self.starts += 1
            with open(self.log_path, "wb") as log:
                self.proc = subprocess.Popen(
                    [HINDSIGHT, "serve", "--port", str(self.port), "--segment-age", "0.3", *self.extra_serve_args, *args],
                    env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                )
            if self._wait_healthy():
                return
            self.stop()
            self.port = free_port()
        raise AssertionError(f"hindsight serve did not start:\n{self.log_path.read_text()}")

    def _wait_healthy(self, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return True
            except OSError:
                time.sleep(0.1)
        return False

    def health(self) -> dict:
        with urllib.request.urlopen(self.url + "/healthz", timeout=5) as r:
            return json.loads(r.read())

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def logs(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.root.glob("serve-*.log")))


def post(url: str, body: bytes, headers: dict | None = None) -> tuple[int, object, bytes]:
    req = urllib.request.Request(url, data=body, headers=headers or {}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def auth(key: str) -> dict:
    return {"X-Sentry-Auth": f"Sentry sentry_key={key}, sentry_version=7, sentry_client=test/1.0"}
