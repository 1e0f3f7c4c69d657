"""Live ingest (`hindsight serve`) side by side with Bugsink on the same stream of real sentry-sdk envelopes.

Peer: Bugsink (PyPI `bugsink`, Django + SQLite), installed by this benchmark into its own throwaway venv
under data/bench/, configured with `bugsink-create-conf --template=singleserver` (paths into a temp dir,
its per-project quotas lifted so that its capacity, not its quota, is measured) and run with its
documented server command `gunicorn --bind 127.0.0.1:PORT bugsink.wsgi` plus `bugsink-runsnappea`
(background digestion). Also measured with `--workers 2` (one per core); the ratio is taken against
the better of the two.

Figures (the load generator is benchmarks/serve_load.py, in its own process, 20 keep-alive senders):
- sustained accepted events/s, closed loop, for ours and Bugsink (bar: ours >= 5x Bugsink's);
- p99 acknowledgement latency at half of our maximum rate, paced (bar < 50 ms);
- acknowledgement -> queryable: the seal wait of the spool segment plus `hindsight ingest` of it;
- 20 senders for 60 s: acknowledged events lost and duplicated after ingest (bars 0), the server's RSS
  sampled every second (bounded: the last 10 s vs the first 10 s).
The machine is shared with other work: compare the ratio, not the absolute rates.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BUGSINK_VERSION = "2.6.2"
GUNICORN_VERSION = "26.2.0"  # what bugsink 2.6.2 resolves to here
SENDERS = 20
ROOT = Path("data/bench/serve")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _load(templates: Path, port: int, project: int, key: str, seconds: float, rate: float | None,
          out: Path, sample_pid: int | None = None) -> dict:
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.serve_load", str(templates), "127.0.0.1", str(port),
                             str(project), key, str(SENDERS), str(seconds), "-" if rate is None else str(rate), str(out)])
    rss = []
    while proc.poll() is None:
        if sample_pid:
            rss.append(round(_rss_mb(sample_pid), 1))
        time.sleep(1.0)
    if proc.returncode != 0:
        raise RuntimeError("load generator failed")
    res = json.loads(out.read_text())
    lat = sorted(res["latencies_ms"])
    ok = res["status"].get("200", 0)
    return {
        "accepted_per_s": round(ok / res["seconds"], 1), "requests": len(lat), "status": res["status"],
        "connection_errors": res["errors"], "p50_ms": round(lat[len(lat) // 2], 2) if lat else None,
        "p99_ms": round(lat[int(len(lat) * 0.99)], 2) if lat else None, "acked_ids": res["acked_ids"], "rss_mb": rss,
    }


# -- ours ------------------------------------------------------------------------------------------------


class Ours:
    def __init__(self, root: Path):
        root.mkdir(parents=True, exist_ok=True)
        self.root = root = root.resolve()  # the config's relative paths would be read from its own folder
        self.port = _free_port()
        self.config = root / "hindsight.toml"
        self.config.write_text(f'[warehouse]\npath = "{root / "warehouse.duckdb"}"\n[landing]\ndir = "{root / "landing"}"\n'
                               f'[serve]\npublic_url = "http://127.0.0.1:{self.port}"\n')
        self.env = {**os.environ, "HINDSIGHT_CONFIG": str(self.config)}
        self.env.pop("HINDSIGHT_WAREHOUSE", None)
        self.hindsight = str(Path(sys.executable).parent / "hindsight")
        dsn = subprocess.run([self.hindsight, "keys", "create", "--project", "bench", "--rate-limit", "0"],
                             env=self.env, capture_output=True, text=True, check=True).stdout.strip()
        self.key, self.project = dsn.split("//")[1].split("@")[0], int(dsn.rsplit("/", 1)[1])
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.root / "serve.log", "ab")  # noqa: SIM115 - the server's stderr for its lifetime
        self.proc = subprocess.Popen([self.hindsight, "serve", "--port", str(self.port)], env=self.env,
                                     stdout=log, stderr=log)
        _wait_http(f"http://127.0.0.1:{self.port}/healthz")

    def stop(self) -> None:
        _stop(self.proc)

    def ingest(self) -> float:
        started = time.perf_counter()
        subprocess.run([self.hindsight, "ingest", str(self.root / "landing" / "sentry")], env=self.env,
                       capture_output=True, check=True)
        return time.perf_counter() - started

    def warehouse_counts(self) -> dict[str, int]:
        import duckdb

        con = duckdb.connect(str(self.root / "warehouse.duckdb"), read_only=True)
        try:
            return dict(con.execute("SELECT event_id, count(*) FROM core.events GROUP BY 1").fetchall())
        finally:
            con.close()

    def spooled_duplicates(self) -> int:
        """Events the spool held more than once (the warehouse keeps one row per event id regardless)."""
        import duckdb

        con = duckdb.connect(str(self.root / "warehouse.duckdb"), read_only=True)
        try:
            return con.execute("SELECT coalesce(sum(records_duplicate), 0) FROM core.ingest_files").fetchone()[0]
        finally:
            con.close()


def _ack_to_queryable(ours: Ours, templates: Path, out: Path) -> dict:
    """A short paced load, then: wait for the open segment to be sealed, ingest it, query the last id."""
    res = _load(templates, ours.port, ours.project, ours.key, 3, 100, out)  # ~300 events
    last = res["acked_ids"][-1]
    t0 = time.perf_counter()
    folder = ours.root / "landing" / "sentry" / ".spool"
    while any(p.stat().st_size for p in folder.glob("*.part")):
        time.sleep(0.05)
    sealed = time.perf_counter() - t0
    ingest = ours.ingest()
    total = time.perf_counter() - t0
    assert last in ours.warehouse_counts()
    return {"events": len(res["acked_ids"]), "seal_wait_s": round(sealed, 2), "ingest_cli_s": round(ingest, 2),
            "ack_to_queryable_s": round(total, 2),
            "note": "segment age 2 s, then `hindsight ingest` (CLI start included) at once; the landing sensor adds up "
                    "to its 30 s interval"}


# -- Bugsink ---------------------------------------------------------------------------------------------


class Bugsink:
    def __init__(self, root: Path):
        self.root = root
        self.venv = Path("data/bench/bugsink-venv").resolve()
        self.port = _free_port()
        self.procs: list[subprocess.Popen] = []

    def install(self) -> float:
        started = time.perf_counter()
        marker = self.venv / f".bugsink-{BUGSINK_VERSION}"
        if not marker.exists():
            shutil.rmtree(self.venv, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True)
            subprocess.run([str(self.venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
                            f"bugsink=={BUGSINK_VERSION}", f"gunicorn=={GUNICORN_VERSION}"], check=True)
            marker.touch()
        return time.perf_counter() - started

    def configure(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        (self.root / "home").mkdir(parents=True)
        conf = self.root / "conf"
        conf.mkdir()
        subprocess.run([str(self.venv / "bin" / "bugsink-create-conf"), "--template=singleserver", "--host=127.0.0.1",
                        f"--port={self.port}", f"--base-dir={(self.root / 'home').resolve()}"], cwd=conf, check=True,
                       capture_output=True)
        with open(conf / "bugsink_conf.py", "a") as fh:  # measure its capacity, not its default quotas
            fh.write("\nBUGSINK.update({k: 10**9 for k in ('MAX_EVENTS_PER_PROJECT_PER_5_MINUTES', "
                     "'MAX_EVENTS_PER_PROJECT_PER_HOUR', 'MAX_EVENTS_PER_PROJECT_PER_MONTH', 'MAX_EVENTS_PER_5_MINUTES', "
                     "'MAX_EVENTS_PER_HOUR', 'MAX_EVENTS_PER_MONTH')})\n")
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bugsink_conf", "PYTHONPATH": str(conf.resolve())}
        manage = str(self.venv / "bin" / "bugsink-manage")
        subprocess.run([manage, "migrate"], env=self.env, check=True, capture_output=True)
        subprocess.run([manage, "migrate", "--database=snappea"], env=self.env, check=True, capture_output=True)
        made = subprocess.run([manage, "shell", "-c",
                               ("from teams.models import Team\nfrom projects.models import Project\n"
                               "p = Project.objects.create(name='bench', team=Team.objects.create(name='bench'))\n"
                               "print('PROJECT', p.pk, p.sentry_key.hex)")],
                              env=self.env, check=True, capture_output=True, text=True).stdout
        _, pk, key = next(line for line in made.splitlines() if line.startswith("PROJECT")).split()
        self.project, self.key = int(pk), key

    def start(self, workers: int) -> None:
        log = open(self.root / f"gunicorn-{workers}.log", "ab")  # noqa: SIM115
        self.procs = [
            subprocess.Popen([str(self.venv / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{self.port}",
                              "--workers", str(workers), "bugsink.wsgi"], env=self.env, stdout=log, stderr=log),
            subprocess.Popen([str(self.venv / "bin" / "bugsink-runsnappea")], env=self.env, stdout=log, stderr=log),
        ]
        _wait_http(f"http://127.0.0.1:{self.port}/")

    def stop(self) -> None:
        for proc in self.procs:
            _stop(proc)


# -- the run ---------------------------------------------------------------------------------------------


def run(seconds: float = 20, endurance_seconds: float = 60) -> dict:
    shutil.rmtree(ROOT, ignore_errors=True)
    ROOT.mkdir(parents=True)
    templates = ROOT / "templates.json"
    subprocess.run([sys.executable, "-c", ("import json, sys\nfrom benchmarks.serve_load import capture_envelopes\n"
                    "open(sys.argv[1], 'w').write(json.dumps([e.hex() for e in capture_envelopes(200)]))"),
                    str(templates)], check=True)
    sizes = [len(bytes.fromhex(t)) for t in json.loads(templates.read_text())]
    figures: dict = {"senders": SENDERS, "envelopes": "200 real sentry-sdk envelopes, fresh event id per request, gzip",
                     "envelope_bytes_median": int(statistics.median(sizes)), "load_avg_1m_start": os.getloadavg()[0]}

    ours = Ours(ROOT / "ours")
    ours.start()
    try:
        top = _load(templates, ours.port, ours.project, ours.key, seconds, None, ROOT / "ours-max.json")
        half_rate = top["accepted_per_s"] / 2
        half = _load(templates, ours.port, ours.project, ours.key, seconds, half_rate, ROOT / "ours-half.json")
        figures["ours_max"] = {k: v for k, v in top.items() if k not in ("acked_ids", "rss_mb")}
        figures["ours_half_rate"] = {"rate": round(half_rate), **{k: v for k, v in half.items() if k not in ("acked_ids", "rss_mb")}}
        figures["p99_ack_ms_at_half_rate"] = half["p99_ms"]
        figures["bar_p99_ms"] = 50
        # the floor of any acknowledgement: the disk's own fsync latency, measured by the server itself
        with urllib.request.urlopen(f"http://127.0.0.1:{ours.port}/healthz") as r:
            figures["server_fsync_ms_last_1000"] = {k: v for k, v in json.loads(r.read())["spool"]["sentry"].items()
                                                    if k.startswith("fsync_ms")}
    finally:
        ours.stop()
    fresh = Ours(ROOT / "queryable")  # a landing folder with only this burst in it
    fresh.start()
    try:
        figures["ack_to_queryable"] = _ack_to_queryable(fresh, templates, ROOT / "ours-q.json")
    finally:
        fresh.stop()

    bugsink = Bugsink(ROOT / "bugsink")
    figures["bugsink_install_s"] = round(bugsink.install(), 1)
    figures["bugsink"] = {"version": BUGSINK_VERSION}
    for workers in (1, 2):
        bugsink.configure()
        bugsink.start(workers)
        try:
            res = _load(templates, bugsink.port, bugsink.project, bugsink.key, seconds, None,
                        ROOT / f"bugsink-{workers}.json")
        finally:
            bugsink.stop()
        figures["bugsink"][f"workers_{workers}"] = {k: v for k, v in res.items() if k not in ("acked_ids", "rss_mb")}
    best = max(figures["bugsink"][f"workers_{w}"]["accepted_per_s"] for w in (1, 2))
    figures["ratio_vs_bugsink"] = round(figures["ours_max"]["accepted_per_s"] / best, 2) if best else None
    figures["bar_ratio"] = 5

    # 20 senders for a minute against a fresh server: nothing acknowledged may be lost or doubled
    endurance = Ours(ROOT / "endurance")
    endurance.start()
    try:
        res = _load(templates, endurance.port, endurance.project, endurance.key, endurance_seconds, None,
                    ROOT / "endurance.json", sample_pid=endurance.proc.pid)
    finally:
        endurance.stop()
    ingest_s = endurance.ingest()
    counts = endurance.warehouse_counts()
    acked = res["acked_ids"]
    rss = res["rss_mb"]
    figures["endurance"] = {
        "seconds": endurance_seconds, "acked": len(acked), "accepted_per_s": res["accepted_per_s"],
        "lost_acked": sum(1 for i in acked if i not in counts), "duplicates": sum(c - 1 for c in counts.values()),
        "duplicates_in_spool": endurance.spooled_duplicates(),
        "p99_ms": res["p99_ms"], "rss_mb_first_10s_max": max(rss[:10]) if rss else None,
        "rss_mb_last_10s_max": max(rss[-10:]) if rss else None, "rss_mb_max": max(rss) if rss else None,
        "ingest_s": round(ingest_s, 1), "ingest_events_per_s": round(len(counts) / ingest_s) if ingest_s else None,
    }
    figures["load_avg_1m_end"] = os.getloadavg()[0]
    shutil.rmtree(ROOT / "endurance" / "landing", ignore_errors=True)
    return figures


if __name__ == "__main__":
    print(json.dumps(run(*(float(a) for a in sys.argv[1:])), indent=2))
