"""`hindsight run` and `dagster dev` share one Dagster instance by default, and every description the UI renders
as Markdown shows as written."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pipelines import runner
from pipelines.definitions import defs

PROJECT = Path(__file__).resolve().parents[2]


def _descriptions() -> list[tuple[str, str]]:
    graph = defs.resolve_asset_graph()
    texts = [(k.to_user_string(), graph.get(k).description or "") for k in graph.get_all_asset_keys()]
    texts += [(f"{k.asset_key.to_user_string()}:{k.name}", graph.get_check_spec(k).description or "")
              for k in graph.asset_check_keys]
    texts += [(s.name, s.description or "") for s in defs.sensors]
    texts += [(s.name, s.description or "") for s in defs.schedules]
    return texts


def test_descriptions_render_as_written():
    """Dagster renders descriptions as Markdown, where `<exports>` is an HTML tag that disappears: placeholders in
    angle brackets must sit in code spans."""
    texts = _descriptions()
    assert any("<exports>" in t for _, t in texts), "the rule_pack description names its folder"
    outside_code = [(name, t) for name, t in texts if re.search(r"<[A-Za-z/!]", re.sub(r"`[^`]*`", "", t))]
    assert outside_code == []


def test_make_and_hindsight_run_default_to_the_same_instance():
    makefile = (PROJECT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^export DAGSTER_HOME \?= \$\(CURDIR\)/dagster_home$", makefile, re.MULTILINE)
    assert runner.DEFAULT_DAGSTER_HOME == PROJECT / "dagster_home"


def test_an_installed_package_records_runs_in_the_users_state_folder(tmp_path, monkeypatch):
    """Installed from the wheel, the packages sit in site-packages (no workspace.yaml beside them): runs go to
    $XDG_STATE_HOME/hindsight/dagster_home, else ~/.local/state/hindsight/dagster_home, never site-packages."""
    site = tmp_path / "site-packages"
    (site / "pipelines").mkdir(parents=True)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert runner.default_dagster_home(site) == tmp_path / "state" / "hindsight" / "dagster_home"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert runner.default_dagster_home(site) == tmp_path / "home" / ".local" / "state" / "hindsight" / "dagster_home"
    assert runner.default_dagster_home(PROJECT) == PROJECT / "dagster_home"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                 headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=10))["data"]


@pytest.mark.slow
def test_a_run_made_without_dagster_home_shows_in_dagster_dev(tmp_path, monkeypatch):
    """With neither DAGSTER_HOME nor the tests' ephemeral switch, `materialize_all` (what `hindsight run` calls)
    records its run in the default home, and `dagster dev` on that home lists it."""
    home = tmp_path / "dagster_home"
    monkeypatch.setattr(runner, "DEFAULT_DAGSTER_HOME", home)
    monkeypatch.setenv("DAGSTER_HOME", "unset-below")
    monkeypatch.delenv("DAGSTER_HOME")
    monkeypatch.delenv(runner.EPHEMERAL_ENV, raising=False)
    config = tmp_path / "hindsight.toml"
    config.write_text(f'[warehouse]\npath = "{tmp_path / "wh.duckdb"}"\n\n[landing]\ndir = "{tmp_path / "landing"}"\n')
    monkeypatch.setenv("HINDSIGHT_CONFIG", str(config))  # materialize_all sets it for the process: restore after
    result = runner.materialize_all(config_path=config, selection="commits")
    assert result.success
    assert "enabled: false" in (home / "dagster.yaml").read_text(), "telemetry off in the created instance"

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != runner.EPHEMERAL_ENV}
    env.update(DAGSTER_HOME=str(home), HINDSIGHT_CONFIG=str(config))
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster")), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline, runs = time.monotonic() + 150, []
        while time.monotonic() < deadline and not runs:
            time.sleep(2)
            try:
                data = _graphql(port, "{ runsOrError { ... on Runs { results { runId status } } } }")
                runs = data["runsOrError"]["results"]
            except Exception:  # noqa: BLE001, S112 - the server is still starting
                continue
        assert [r["runId"] for r in runs] == [result.run_id]
        assert runs[0]["status"] == "SUCCESS"
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a slow shutdown on a loaded machine is not what this test checks
            os.killpg(proc.pid, 9)
            proc.wait(timeout=30)
