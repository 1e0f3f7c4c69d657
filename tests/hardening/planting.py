"""Writing the planted corpus into every field of every source: Sentry events (NDJSON, JSON array,
envelopes), JSON and plain-text logs (tracebacks included), incident exports (CSV and JSON), and git
history (commit messages, trailers, author names, file paths, git-ai notes)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

from benchmarks.secret_corpus import Planted

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = json.loads((ROOT / "data" / "samples" / "sentry" / "event_single.json").read_text())
KEEP = {"event_id", "timestamp", "platform", "level"}  # typed fields an event needs to load


def _plant_leaves(value, text: str, key: str = ""):
    """Every string leaf gets the planted text (keys of the event's own structure stay)."""
    if isinstance(value, dict):
        return {k: _plant_leaves(v, text, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_plant_leaves(v, text, key) for v in value]
    if isinstance(value, str) and key not in KEEP:
        return f"{value} {text}"
    return value


def event(p: Planted, i: int, salt: str) -> dict:
    """The template event with the planted text in every string field, plus the value alone under
    innocent and secret-looking names at several depths (value propagation has to find those)."""
    ev = _plant_leaves(json.loads(json.dumps(TEMPLATE)), p.text)
    ev["event_id"] = f"{salt}{i:06d}".ljust(32, "0")[:32]
    ev["timestamp"] = 1764000000 + i
    ev["message"] = f"planted {p.kind}: {p.text}"
    ev["tags"] = {"service": "planted-api", "note": p.text}
    ev["extra"] = {"vars": {"password": p.value, "key": p.value, "nested": [{"deep": {"k": p.value}}]},
                   "headers": [["X-Carrier", p.text]], "carrier": p.text}
    ev["breadcrumbs"] = {"values": [{"category": "http", "message": p.text, "data": {"url": p.text}}]}
    ev["transaction"] = f"POST /planted {p.text}"
    ev["logger"] = f"planted.{p.kind}"
    ev["user"] = {"email": p.value, "ip_address": "10.0.0.1"}
    ev["request"] = {"headers": {"Authorization": p.text}, "cookies": p.text}
    ev["fingerprint"] = ["{{ default }}", p.text]
    frames = ev["exception"]["values"][0]["stacktrace"]["frames"]
    for frame in frames:
        frame["vars"] = {"secret_value": p.value, "innocent": p.value, "text": p.text}
    ev["threads"] = {"values": [{"id": "1", "name": f"worker {p.text}", "crashed": False, "current": True,
                                 "stacktrace": {"frames": frames}}]}
    return ev


def write_sentry(folder: Path, corpus: list[Planted]) -> dict[str, int]:
    """One event per kind in each of NDJSON, a JSON array and an envelope file; returns events per file."""
    folder.mkdir(parents=True, exist_ok=True)
    nd = [event(p, i, "5ec0a1") for i, p in enumerate(corpus)]
    (folder / "planted.ndjson").write_text("".join(json.dumps(e) + "\n" for e in nd))
    arr = [event(p, i, "5ec0b2") for i, p in enumerate(corpus)]
    (folder / "planted_array.json").write_text(json.dumps(arr, indent=1))
    with (folder / "planted.envelope").open("wb") as out:
        for i, p in enumerate(corpus):
            payload = json.dumps(event(p, i, "5ec0c3")).encode()
            head = {"event_id": f"5ec0c3{i:06d}".ljust(32, "0"), "sent_at": "2026-11-24T05:59:41Z",
                    "dsn": f"https://{'d' * 32}@o1.ingest.example.invalid/1", "note": p.text}
            out.write(json.dumps(head).encode() + b"\n")
            out.write(json.dumps({"type": "event", "length": len(payload)}).encode() + b"\n" + payload + b"\n")
    return {"planted.ndjson": len(nd), "planted_array.json": len(arr), "planted.envelope": len(corpus)}


TRACEBACK = """Traceback (most recent call last):
  File "/app/src/shop/planted.py", line 12, in handler
    charge(order, "{text}")
  File "/app/src/shop/planted.py", line 30, in charge
    raise ValueError(f"{text}")
ValueError: payment failed {text}"""


def write_logs(folder: Path, corpus: list[Planted]) -> dict[str, int]:
    """JSON lines (every field, nested attributes, a traceback) and a plain-text log in the demo's line
    format (message, component, continuation lines of a traceback)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i, p in enumerate(corpus):
        lines.append(json.dumps({
            "timestamp": f"2026-11-24T06:{i // 60:02d}:{i % 60:02d}Z", "level": "error",
            "logger": f"planted.{p.kind} {p.value}", "message": f"request failed {p.text}",
            "service": "planted-worker", "release": f"shop@1.5.0 {p.value}", "environment": f"prod {p.value}",
            "exception": TRACEBACK.format(text=p.text), "password": p.value, "key": p.value,
            "ctx": {"user": {"note": p.text, "list": [p.value, {"x": p.text}]}},
        }))
    (folder / "planted.jsonl").write_text("\n".join(lines) + "\n")
    text = []
    for i, p in enumerate(corpus):
        component = p.value if " " not in p.value and ":" not in p.value else "planted"
        text.append(f"2026-11-24 07:{i // 60:02d}:{i % 60:02d},123 ERROR {component}: request failed {p.text}")
        text += TRACEBACK.format(text=p.text).splitlines()
    (folder / "planted-text.log").write_text("\n".join(text) + "\n")
    return {"planted.jsonl": len(corpus), "planted-text.log": len(corpus)}


def write_incidents(folder: Path, corpus: list[Planted]) -> dict[str, int]:
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, p in enumerate(corpus):
        rows.append({
            "id": f"PLANT-{i} {p.value}", "title": f"Checkout down {p.text}", "severity": "SEV2",
            "status": "resolved", "created_at": "2026-11-24T06:00:00Z", "resolved_at": "2026-11-24T07:00:00Z",
            "service": f"planted-api {p.value}", "summary": f"Root cause: {p.text}",
            "postmortem": f"We leaked {p.text} in a log", "url": f"https://status.example.com/i/{i}?t={p.value}",
            "error_message": f"ValueError: {p.text}", "assignee_note": p.text,
        })
    with (folder / "planted.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    js = [{**r, "id": r["id"].replace("PLANT", "PLANTJ"), "tags": [{"name": r["service"]}],
           "details": {"nested": [r["summary"]]}} for r in rows]
    (folder / "planted.json").write_text(json.dumps({"incidents": js}, indent=1))
    return {"planted.csv": len(rows), "planted.json": len(js)}


def _git(repo: Path, *args: str, author: tuple[str, str] = ("Planter", "planter@example.com"),
         stdin: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, HOME=str(repo), GIT_AUTHOR_NAME=author[0],
               GIT_AUTHOR_EMAIL=author[1], GIT_COMMITTER_NAME=author[0], GIT_COMMITTER_EMAIL=author[1],
               GIT_AUTHOR_DATE="@1764000000 +0000", GIT_COMMITTER_DATE="@1764000000 +0000")
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True,
                          input=stdin).stdout


def write_commits(repo: Path, corpus: list[Planted]) -> int:
    """One commit per kind: subject, body and a non-identity trailer carry the text; for secrets (not
    personal data, which an author's own address legitimately is) the author name too; one file path
    and one git-ai note path carry a token."""
    token = next(p for p in corpus if p.kind == "github_token").value
    notes_dir = repo / "planted"
    notes_dir.mkdir(exist_ok=True)
    for i, p in enumerate(corpus):
        (notes_dir / f"f{i}.txt").write_text(f"{i}\n")
        if p.kind == "github_token":
            (notes_dir / f"leak-{token}.txt").write_text("x\n")
        _git(repo, "add", "-A")
        author = ("Planter", "planter@example.com") if p.personal else (f"Dev {p.value}", "dev@example.com")
        message = (f"fix: {p.text}\n\nThe log said {p.text}; see {p.value}.\n\n"
                   f"Reviewed-on: https://review.example.com/c/{i}?token={p.value}\nBug: {p.text}\n")
        _git(repo, "commit", "-q", "-m", message, author=author)
    note = (f"planted/leak-{token}.txt\n  s_0123456789abcd::t_0123456789abcd 1\n---\n"
            + json.dumps({"schema_version": "authorship/3.0.0", "prompts": {
                "s_0123456789abcd": {"agent_id": {"tool": "claude"}, "messages": [token]}}}))
    _git(repo, "notes", "--ref", "refs/notes/ai", "add", "-f", "-F", "-", "HEAD", stdin=note)
    return len(corpus)
