"""Test helpers: real sentry-sdk events from real code in a temp dir, raw Sentry JSON events, log records."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from models.sources import ingest_path

RUNNER = textwrap.dedent("""
    import sys
    import sentry_sdk
    from hindsight.sentry_file_transport import FileTransport
    import importlib

    out, calls = sys.argv[1], sys.argv[2:]
    sentry_sdk.init(dsn="https://key@example.invalid/1", release="app@1", transport=FileTransport(out),
                    in_app_include=["app"], default_integrations=False)
    mod = importlib.import_module("app.code")
    for call in calls:
        name, _, arg = call.partition(":")
        try:
            getattr(mod, name)(arg)
        except Exception:
            sentry_sdk.capture_exception()
    sentry_sdk.flush()
""")


def capture(tmp_path: Path, label: str, source: str, calls: list[str]) -> Path:
    """Run `source` as module app.code in a fresh interpreter; each call `func:arg` that raises becomes a
    real sentry-sdk event in the returned envelope file (one event per call, in order)."""
    root = tmp_path / label
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "code.py").write_text(textwrap.dedent(source))
    out = tmp_path / f"{label}.envelope"
    subprocess.run(
        [sys.executable, "-c", RUNNER, str(out), *calls],
        cwd=root,
        check=True,
        timeout=60,
        env={"PYTHONPATH": f"{root}:{Path(__file__).resolve().parents[2]}", "PATH": "/usr/bin:/bin"},
    )
    return out


def ingest_events(con, tmp_path: Path, events: list[dict], name: str = "events") -> None:
    """Write raw Sentry event JSON (one per line) and ingest it with the real sources ingest."""
    path = tmp_path / f"{name}.ndjson"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    ingest_path(con, path, source="sentry", fmt="ndjson")


def fingerprints(con) -> list[tuple]:
    """(event_id, fingerprint, variant, title, components) in ingest order."""
    return con.execute(
        "SELECT f.event_id, f.fingerprint, f.variant, f.title, f.components FROM core.event_fingerprints f "
        "JOIN core.events e USING (event_id) ORDER BY e.ingested_at, e.line_no, e.ts"
    ).fetchall()


def event(event_id: str, *, exc: list[dict] | None = None, message: str | None = None, **extra) -> dict:
    doc = {"event_id": event_id, "platform": "python", "timestamp": "2026-11-01T10:00:00Z", **extra}
    if exc is not None:
        doc["exception"] = {"values": exc}
    if message is not None:
        doc["message"] = message
    return doc


def frame(module: str, function: str, context: str = "", lineno: int = 1, in_app: bool = True, **kw) -> dict:
    return {
        "module": module,
        "function": function,
        "context_line": context,
        "lineno": lineno,
        "in_app": in_app,
        "filename": module.replace(".", "/") + ".py",
        **kw,
    }
