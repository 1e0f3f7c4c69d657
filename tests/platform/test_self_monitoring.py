"""The platform watches itself: its own crashes become sentry-sdk events it can ingest like any service's."""

import json
import os
import subprocess
import sys

from models.warehouse import connect

CRASH = (
    "from hindsight.observability import init_self_monitoring\n"
    "assert init_self_monitoring('cli')\n"
    "def load_pack(name):\n"
    "    raise RuntimeError('rule pack ' + name + ' is corrupt')\n"
    "load_pack('2026.11.24.1')\n"
)


def _run(code, env_extra, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SENTRY_DSN", "HINDSIGHT_SELF_EVENTS")}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-c", code], check=False, env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)


def test_nothing_is_captured_without_a_dsn(tmp_path):
    proc = _run("from hindsight.observability import init_self_monitoring\n"
                "print(init_self_monitoring('cli'))", {}, tmp_path)
    assert proc.stdout.strip() == "False"


def test_own_crash_is_written_as_envelope_and_ingested(tmp_path):
    out = tmp_path / "self" / "hindsight.envelope"
    proc = _run(CRASH, {"HINDSIGHT_SELF_EVENTS": str(out)}, tmp_path)
    assert proc.returncode != 0 and "corrupt" in proc.stderr
    lines = out.read_bytes().splitlines()
    header, item_header, payload = json.loads(lines[0]), json.loads(lines[1]), json.loads(lines[2])
    assert item_header["type"] == "event" and header["event_id"] == payload["event_id"]
    exc = payload["exception"]["values"][-1]
    assert exc["type"] == "RuntimeError"
    assert exc["stacktrace"]["frames"][-1]["function"] == "load_pack"
    assert "modules" not in payload and "server_name" not in payload  # dropped before sending
    assert payload["tags"]["service"] == "hindsight-cli"

    from models.sources.ingest import ingest_path

    con = connect(tmp_path / "wh.duckdb")
    reports = ingest_path(con, out, source="sentry")
    assert sum(r.loaded for r in reports) == 1
    row = con.execute("SELECT service, exception_type FROM core.events").fetchone()
    assert row == ("hindsight-cli", "RuntimeError")
    con.close()


def test_json_logs(tmp_path):
    code = ("import logging\nfrom hindsight.observability import configure_json_logging\n"
            "configure_json_logging()\nlogging.getLogger('hindsight.test').warning('hello %s', 'world')\n")
    proc = _run(code, {}, tmp_path)
    record = json.loads(proc.stderr.strip().splitlines()[-1])
    assert record["message"] == "hello world" and record["level"] == "warning" and record["logger"] == "hindsight.test"
