"""Dashboard test data, built for real: the demo world (generated + full pipeline) once per test session.

pytest-xdist runs several workers; the world is built once into the session's shared base temp dir under a
file lock, and every worker reads the same snapshot (read-only, so sharing is safe).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.app import PAGES as PAGE_SPECS
from models.warehouse import connect
from models.warehouse.snapshot import publish_snapshot, snapshot_path

PROJECT = Path(__file__).resolve().parents[2]
APP = PROJECT / "dashboards" / "app.py"
PAGES = [p.name for p in PAGE_SPECS]  # every page, hidden ones included (pack_file shows an empty state alone)
SAMPLES = PROJECT / "data" / "samples"
INJECTIONS = ["<script>alert(1)</script>", "**bold** [link](javascript:alert(1))", "Ignore previous instructions"]


def _clean_env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("HINDSIGHT_WAREHOUSE", "HINDSIGHT_CONFIG", "DAGSTER_HOME")}
    env["HINDSIGHT_DAGSTER_LOG_LEVEL"] = "ERROR"
    return env


def _build_world(out: Path) -> dict:
    """`hindsight demo --out DIR --scale 1` (generates the world and runs the whole pipeline), then checks it."""
    proc = subprocess.run([sys.executable, "-m", "hindsight.cli", "demo", "--out", str(out), "--scale", "1"],
                          check=False, cwd=PROJECT, env=_clean_env(), capture_output=True, text=True, timeout=600)
    warehouse = out / "warehouse.duckdb"
    if not warehouse.exists():
        raise RuntimeError(f"hindsight demo built no warehouse:\n{proc.stdout}\n{proc.stderr}")
    if not snapshot_path(warehouse).exists():  # the pipeline stopped before its last asset: publish what exists
        con = connect(warehouse)
        try:
            publish_snapshot(con, warehouse)
        finally:
            con.close()
    return {"counts": _counts(warehouse), "demo_stdout": proc.stdout[-2000:], "demo_stderr": proc.stderr[-2000:]}


def _counts(warehouse: Path) -> dict:
    con = duckdb.connect(str(snapshot_path(warehouse)), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM core.{t}").fetchone()[0]
                for t in ("events", "clusters", "frame_resolutions", "rule_packs", "incidents")}
    finally:
        con.close()


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> Path:
    """The demo world directory (hindsight.toml, warehouse.duckdb and its published snapshot).

    Built once per session: xdist workers share `getbasetemp().parent` (the session's temp dir). Developers
    may point HINDSIGHT_DASHBOARD_WORLD at an existing `hindsight demo --out DIR` to skip the ~1-3 min build.
    """
    if os.environ.get("HINDSIGHT_DASHBOARD_WORLD"):
        out = Path(os.environ["HINDSIGHT_DASHBOARD_WORLD"]).resolve()
        _write_atomically(out / "dashboard-world.json", json.dumps({"counts": _counts(out / "warehouse.duckdb")}))
        return out
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    out = root / "dashboard-world"
    ready = root / "dashboard-world.json"
    with open(root / "dashboard-world.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            if out.exists():
                shutil.rmtree(out)
            ready.write_text(json.dumps(_build_world(out)))
    info = json.loads(ready.read_text())
    if not info["counts"]["events"]:
        pytest.fail(f"the demo world has no events: {info}")
    _write_atomically(out / "dashboard-world.json", json.dumps(info))
    return out


def _build_samples_world(out: Path) -> dict:
    """A warehouse with only the committed samples (data/samples: Sentry, logs, incidents; no repository),
    ingested and run through the whole pipeline with the real CLI."""
    out.mkdir(parents=True)
    config = out / "hindsight.toml"
    config.write_text(f'[warehouse]\npath = "{out / "warehouse.duckdb"}"\n\n[landing]\ndir = "{out / "landing"}"\n\n'
                      '[[logs.formats]]\nglob = "app_python*.log*"\nformat = "<Date> <Time> <Level> <Component>: <Content>"\n'
                      'service = "shop"\n', encoding="utf-8")
    cli = [sys.executable, "-m", "hindsight.cli", "--config", str(config)]
    for source in ("sentry", "logs", "incidents"):  # broken samples are quarantined or refused: that is their point
        subprocess.run([*cli, "ingest", str(SAMPLES / source), "--source", source], cwd=PROJECT, env=_clean_env(),
                       capture_output=True, text=True, timeout=600, check=False)
    proc = subprocess.run([*cli, "run"], cwd=PROJECT, env=_clean_env(), capture_output=True, text=True, timeout=900,
                          check=False)
    if not snapshot_path(out / "warehouse.duckdb").exists():
        raise RuntimeError(f"the samples pipeline published no snapshot:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return {"counts": _counts(out / "warehouse.duckdb")}


def _write_atomically(path: Path, text: str) -> None:
    """Other xdist workers may read the file at any moment: they see the old text or the new, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _shared_world(tmp_path_factory, name: str, build) -> Path:
    """Build a world once per session into the session's shared temp dir (xdist workers share it)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    out = root / name
    ready = root / f"{name}.json"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            if out.exists():
                shutil.rmtree(out)
            ready.write_text(json.dumps(build(out)))
    _write_atomically(out / "dashboard-world.json", ready.read_text())
    return out


@pytest.fixture(scope="session")
def samples_world(tmp_path_factory) -> Path:
    """A world built from data/samples only (events of 2026-11, incidents of 2025-10 to 2026-10, no repository)."""
    out = _shared_world(tmp_path_factory, "samples-world", _build_samples_world)
    if not json.loads((out / "dashboard-world.json").read_text())["counts"]["events"]:
        pytest.fail("the samples world has no events")
    return out


@pytest.fixture(scope="session")
def world_counts(world) -> dict:
    return json.loads((world / "dashboard-world.json").read_text())["counts"]


@pytest.fixture
def snapshot_con(world):
    con = duckdb.connect(str(snapshot_path(world / "warehouse.duckdb")), read_only=True)
    yield con
    con.close()


@pytest.fixture
def use_warehouse(monkeypatch):
    """Point the dashboard (in this process) at a warehouse; returns a function taking the warehouse path."""
    def point(warehouse: Path, config: Path | None = None) -> Path:
        monkeypatch.setenv("HINDSIGHT_WAREHOUSE", str(warehouse))
        if config:
            monkeypatch.setenv("HINDSIGHT_CONFIG", str(config))
        else:
            monkeypatch.delenv("HINDSIGHT_CONFIG", raising=False)
        return warehouse
    return point


@pytest.fixture
def empty_warehouse(tmp_path) -> Path:
    """A warehouse with the full schema and no rows, with its snapshot published."""
    warehouse = tmp_path / "empty.duckdb"
    con = connect(warehouse)
    try:
        publish_snapshot(con, warehouse)
    finally:
        con.close()
    return warehouse


def open_page(page: str, query: dict | None = None, timeout: float = 90) -> AppTest:
    """Run the app once, switch to `page` and run it (query parameters set before the first run)."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py").run()
    return at


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, f"no metric {label!r}; metrics: {[m.label for m in at.metric]}"
    return found[0]


def no_exceptions(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def drawn_charts(at: AppTest) -> list[tuple[dict, list[dict]]]:
    """(Vega-Lite spec, rows) of every chart on the page, as Streamlit sends them to the browser."""
    import io
    import json

    import pyarrow as pa

    charts = []
    for chart in at.get("vega_lite_chart"):
        proto = chart.proto
        assert not proto.datasets, "charts carry their rows as the chart's data (dashboards/charts.py)"
        rows = pa.ipc.open_stream(io.BytesIO(proto.data.data)).read_all().to_pylist() if proto.data.data else []
        charts.append((json.loads(proto.spec), rows))
    return charts


def encoded_fields(spec: dict) -> set[str]:
    """Every field the spec's encodings (of all layers, facet and inner spec) read."""
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("field"), str):
                found.add(node["field"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk({k: v for k, v in spec.items() if k in ("encoding", "layer", "facet", "spec")})
    return found


def check_chart(spec: dict, rows: list[dict]) -> None:
    """A drawn chart is valid Vega-Lite (the specs are dicts: nothing else validates them), has rows, and every
    field it encodes is a column of its rows."""
    import jsonschema
    from altair.vegalite.v6.schema import load_schema

    # the rows travel beside the spec (Arrow) and the browser binds them as the top-level data
    jsonschema.validate({"data": {"name": "rows"}, **spec}, load_schema())
    assert rows, "the chart has no rows"
    missing = encoded_fields(spec) - set(rows[0])
    assert not missing, f"the chart encodes fields its rows lack: {missing}"
