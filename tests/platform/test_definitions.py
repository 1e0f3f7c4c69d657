"""The whole Dagster project loads, and its shape is pinned: a lost asset, check or schedule fails here."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pipelines.definitions import defs

PROJECT = Path(__file__).resolve().parents[2]

EXPECTED_DEPS = {
    "sentry_events": [], "log_records": [], "incidents": [], "commits": [],
    "event_fingerprints": ["log_records", "sentry_events"],
    "log_templates": ["log_records"],
    "clusters": ["event_fingerprints", "log_templates"],
    "cluster_flags": ["clusters", "suspect_commits"],
    "incident_clusters": ["clusters", "incidents"],
    "frame_attribution": ["commits", "log_records", "sentry_events"],
    "suspect_commits": ["clusters", "frame_attribution"],
    "ai_failure_rates": ["suspect_commits"],
    "rule_pack": ["change_risk", "clusters", "suspect_commits"],
    "guidance": ["rule_pack"],
    "rule_efficacy": ["rule_pack"],
    "change_risk": ["commits", "incident_clusters", "suspect_commits"],
}

EXPECTED_CHECKS = {
    "sentry_events:no_duplicate_event_ids", "sentry_events:sentry_events_quarantine_rate",
    "sentry_events:sentry_events_freshness", "log_records:log_records_quarantine_rate",
    "incidents:incidents_quarantine_rate", "event_fingerprints:every_event_fingerprinted",
    "log_templates:every_record_templated", "clusters:every_error_event_has_a_cluster",
    "clusters:no_cluster_id_disappears", "frame_attribution:resolved_frames_have_blame",
    "frame_attribution:unresolved_reasons", "rule_pack:semgrep_rules_validate", "rule_pack:ruff_config_loads",
    "rule_pack:sarif_valid", "rule_pack:semgrep_examples_pass", "change_risk:every_commit_scored",
}


def _graph():
    return defs.resolve_asset_graph()


def test_asset_graph_follows_the_flow():
    graph = _graph()
    actual = {k.to_user_string(): sorted(p.to_user_string() for p in graph.get(k).parent_keys)
              for k in graph.get_all_asset_keys()}
    snapshot = actual.pop("dashboard_snapshot")
    assert actual == EXPECTED_DEPS
    # the snapshot is published last, after everything the dashboard shows
    assert set(snapshot) == set(EXPECTED_DEPS)


def test_checks_schedules_sensors_and_jobs():
    checks = {f"{k.asset_key.to_user_string()}:{k.name}" for k in _graph().asset_check_keys}
    assert EXPECTED_CHECKS <= checks
    assert {s.name for s in defs.schedules} >= {"daily_pipeline"}
    assert {s.name for s in defs.sensors} >= {"landing_sensor", "new_commits_sensor"}
    assert "hindsight_pipeline" in {j.name for j in defs.jobs}
    daily = next(s for s in defs.schedules if s.name == "daily_pipeline")
    assert daily.cron_schedule == "0 5 * * *" and daily.job_name == "hindsight_pipeline"


def test_telemetry_is_off_in_the_committed_instance():
    assert "enabled: false" in (PROJECT / "dagster_home" / "dagster.yaml").read_text()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_dagster_dev_starts_from_workspace_and_shows_the_assets(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    port = _free_port()
    env = dict(os.environ, DAGSTER_HOME=str(home), HINDSIGHT_WAREHOUSE=str(tmp_path / "wh.duckdb"))
    env.pop("HINDSIGHT_CONFIG", None)
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster")), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        query = json.dumps({"query": "{ assetNodes { assetKey { path } } }"}).encode()
        deadline, keys = time.monotonic() + 150, set()
        while time.monotonic() < deadline and not keys:
            time.sleep(2)
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=query,
                                             headers={"Content-Type": "application/json"})
                nodes = json.load(urllib.request.urlopen(req, timeout=10))["data"]["assetNodes"]
                keys = {"/".join(n["assetKey"]["path"]) for n in nodes}
            except Exception:  # noqa: BLE001, S112 - the server is still starting
                continue
        assert set(EXPECTED_DEPS) | {"dashboard_snapshot"} <= keys
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a slow shutdown on a loaded machine is not what this test checks
            os.killpg(proc.pid, 9)
            proc.wait(timeout=30)
