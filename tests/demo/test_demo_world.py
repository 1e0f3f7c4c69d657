"""The demo world is real: genuine sentry-sdk envelopes whose frames match the generated repository at
each release, planted bugs blamed on the commits that planted them, real AI markers, exact counts."""

from __future__ import annotations

import csv
import gzip
import json
import re
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from demo import scale as scaling
from demo import secrets as planted
from demo.generate import generate
from demo.scale import read_envelope
from models.config import load_config

SEED, SCALE = 11, 3


@pytest.fixture(scope="module", autouse=True)
def small_chunks():
    """Several scaled chunks even at a small scale, so chunking (ids, seeds, files) is exercised."""
    saved, scaling.CHUNK = scaling.CHUNK, 400
    yield
    scaling.CHUNK = saved


@pytest.fixture(scope="module")
def world(tmp_path_factory, small_chunks) -> Path:
    out = tmp_path_factory.mktemp("demo") / "world"
    generate(out, seed=SEED, scale=SCALE)
    return out


@pytest.fixture(scope="module")
def truth(world) -> dict:
    return json.loads((world / "ground_truth.json").read_text())


@pytest.fixture(scope="module")
def events(world) -> list[tuple[dict, dict, dict]]:
    out = []
    for path in sorted((world / "landing" / "sentry").glob("*.envelope")):
        out += read_envelope(path)
    return out


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


class RepoAt:
    """File lines of the repository at a release tag (cached `git show`)."""

    def __init__(self, repo: Path):
        self.repo, self.cache = repo, {}

    def lines(self, tag: str, path: str) -> list[str]:
        if (tag, path) not in self.cache:
            self.cache[(tag, path)] = git(self.repo, "show", f"{tag}:{path}").split("\n")
        return self.cache[(tag, path)]


def repo_path(abs_path: str, config) -> str | None:
    """Apply the configured path mappings (absolute roots match at the start, relative ones anywhere)."""
    for m in config.repositories[0].path_mappings:
        i = abs_path.find(m.stack_root)
        if i == 0 or (i > 0 and not m.stack_root.startswith("/")):
            return m.source_root + abs_path[i + len(m.stack_root):]
    return None


def innermost_app_frame(event: dict) -> dict | None:
    main = event["exception"]["values"][-1]
    frames = [f for f in main["stacktrace"]["frames"] if f.get("in_app")]
    return frames[-1] if frames else None


def test_generator_is_deterministic(world, tmp_path):
    again = tmp_path / "again"
    generate(again, seed=SEED, scale=SCALE)
    for ref in ["HEAD"] + [f"shop@1.{i}.0" for i in range(6)]:
        assert git(world / "repo", "rev-parse", ref) == git(again / "repo", "rev-parse", ref)
    for sub in ("landing/sentry", "landing/logs", "landing/incidents"):
        names = sorted(p.name for p in (world / sub).iterdir())
        assert names == sorted(p.name for p in (again / sub).iterdir())
        for name in names:
            assert (world / sub / name).read_bytes() == (again / sub / name).read_bytes(), name
    assert (world / "ground_truth_events.csv").read_bytes() == (again / "ground_truth_events.csv").read_bytes()


def test_config_parses(world):
    cfg = load_config(world / "hindsight.toml")
    assert cfg.warehouse == (world / "warehouse.duckdb").resolve()
    assert cfg.landing_dir == (world / "landing").resolve()
    repo = cfg.repository("shop")
    assert repo.path == (world / "repo").resolve() and repo.release_pattern == "shop@{version}"
    assert repo.services == ("shop-api", "shop-worker")
    assert {(m.stack_root, m.source_root) for m in repo.path_mappings} == {
        ("/app/src/", "src/"), ("site-packages/shop/", "src/shop/")}
    assert cfg.log_sources[0].glob == "*.log*" and cfg.log_sources[0].service == "shop-api"


def test_envelopes_are_genuine_sentry_sdk_events(events, truth):
    assert len(events) == truth["events"]["real"] >= 300
    releases = {r["release"] for r in truth["releases"]}
    for env_header, item_header, ev in events:
        assert re.fullmatch(r"[0-9a-f]{32}", env_header["event_id"]) and env_header["event_id"] == ev["event_id"]
        assert env_header["sent_at"].startswith("2026-1")
        assert env_header["trace"]["trace_id"] == ev["contexts"]["trace"]["trace_id"]
        assert item_header["type"] == "event" and item_header["content_type"] == "application/json"
        assert ev["sdk"]["name"] == "sentry.python" and ev["platform"] == "python"
        assert ev["release"] in releases and ev["environment"] == "production"
        assert ev["tags"]["service"] in ("shop-api", "shop-worker")
        assert ev["exception"]["values"][-1]["stacktrace"]["frames"]
    ts = sorted(ev["timestamp"] for _, _, ev in events)
    assert truth["period"]["start"][:10] <= ts[0][:10] and ts[-1][:10] < truth["period"]["end"][:10]


def test_in_app_frames_match_the_repository_at_each_release(world, events):
    cfg = load_config(world / "hindsight.toml")
    repo = RepoAt(world / "repo")
    checked = 0
    for _, _, ev in events:
        tag = ev["release"]
        service = ev["tags"]["service"]
        for exc in ev["exception"]["values"]:
            for f in exc.get("stacktrace", {}).get("frames", []):
                if not f.get("in_app"):
                    continue
                prefix = "/app/src/shop/" if service == "shop-api" else "/usr/local/lib/python3.11/site-packages/shop/"
                assert f["abs_path"].startswith(prefix), f["abs_path"]
                path = repo_path(f["abs_path"], cfg)
                lines = repo.lines(tag, path)
                assert lines[f["lineno"] - 1] == f["context_line"], (tag, path, f["lineno"])
                pre = f.get("pre_context") or []
                assert lines[f["lineno"] - 1 - len(pre):f["lineno"] - 1] == pre
                checked += 1
    assert checked > 1000


def _expected_blame(bug: dict, truth: dict, release: str) -> str:
    """Commit a plain `git blame -w` (no ignore file) should name for the crash line at `release`."""
    order = [c["sha"] for c in truth["commits"]]
    rel_sha = next(r["sha"] for r in truth["releases"] if r["release"] == release)
    upto = order[:order.index(rel_sha) + 1]
    if bug["reintroduced_commit"] in upto:
        return bug["reintroduced_commit"]
    reformat = truth["messy_cases"]["mass_reformat_commit"]
    if bug["bug_id"] == "B04" and reformat in upto:
        return reformat
    return bug["planted_commit"]


def test_planted_bugs_crash_on_their_line_and_blame_to_the_planting_commit(world, events, truth):
    cfg = load_config(world / "hindsight.toml")
    repo = world / "repo"
    labels = {}
    with (world / "ground_truth_events.csv").open() as fh:
        for row in csv.DictReader(fh):
            labels[row["event_id"]] = row["bug_id"]
    sites = defaultdict(set)
    for _, _, ev in events:
        bug_id = labels[ev["event_id"]]
        if bug_id:
            f = innermost_app_frame(ev)
            sites[(bug_id, ev["release"])].add((repo_path(f["abs_path"], cfg), f["lineno"], f["context_line"]))
    bugs = {b["bug_id"]: b for b in truth["bugs"]}
    assert len(bugs) >= 8 and len({b["failure_class"] for b in truth["bugs"]}) >= 8
    assert all(b["real_event_count"] > 0 for b in truth["bugs"])
    assert {b["planted_by"]["kind"] for b in truth["bugs"]} == {"ai", "human"}
    assert any(b["reintroduced_commit"] for b in truth["bugs"]) and any(b["fixed_commit"] for b in truth["bugs"])
    ignore = repo / ".git-blame-ignore-revs"
    for (bug_id, release), found in sites.items():
        bug = bugs[bug_id]
        assert len(found) == 1, (bug_id, release, found)  # one crash site per release
        path, lineno, line = found.pop()
        assert path == bug["path"]
        file_lines = git(repo, "show", f"{release}:{path}").split("\n")
        context = "\n".join(file_lines[lineno - 1 - bug["construct_window"]:lineno])
        assert bug["construct"] in context, (bug_id, release, line)
        blame = git(repo, "blame", "-w", "--porcelain", "-L", f"{lineno},{lineno}", release, "--", path)
        assert blame.split()[0] == _expected_blame(bug, truth, release), (bug_id, release)
        if bug_id == "B04" and ignore.exists() and _expected_blame(bug, truth, release) != bug["planted_commit"]:
            blame = git(repo, "blame", "-w", "--ignore-revs-file", str(ignore), "--porcelain",
                        "-L", f"{lineno},{lineno}", release, "--", path)
            assert blame.split()[0] == bug["planted_commit"]
    # the whitespace-only re-indent hides the planter from plain blame, not from blame -w
    b7 = bugs["B07"]
    last = truth["releases"][-1]["release"]
    path_lines = git(repo, "show", f"{last}:{b7['path']}").split("\n")
    n = next(i for i, x in enumerate(path_lines, 1) if b7["construct"] in x)
    plain = git(repo, "blame", "--porcelain", "-L", f"{n},{n}", last, "--", b7["path"]).split()[0]
    assert plain == truth["messy_cases"]["whitespace_reindent_commit"] != b7["planted_commit"]


def test_sql_bug_line_moves_across_releases(world, truth):
    b3 = next(b for b in truth["bugs"] if b["bug_id"] == "B03")
    numbers = set()
    for r in truth["releases"]:
        lines = git(world / "repo", "show", f"{r['release']}:{b3['path']}").split("\n")
        numbers.add(next(i for i, x in enumerate(lines, 1) if x.strip() == b3["line_text"]))
    assert len(numbers) >= 2


MARKERS = {
    ("claude_code", "trailer"): [r"^Co-Authored-By: Claude[^<]* <noreply@anthropic\.com>$",
                                 r"^🤖 Generated with \[Claude Code\]\(https://claude\.(ai/code|com/claude-code)\)$"],
    ("cursor", "trailer"): [r"^Co-authored-by: Cursor(?: Agent)? <cursoragent@cursor\.com>$"],
    ("codex", "trailer"): [r"^Co-authored-by: Codex(?: [\w.-]+)? <(noreply|codex)@openai\.com>$"],
    ("devin", "trailer"): [(r"^Co-Authored-By: Devin(?: AI)? <(158243242\+)?devin-ai-integration\[bot\]@users"
                           r"\.noreply\.github\.com>$")],
    ("copilot_agent", "author"): [(r"^AUTHOR (Copilot|copilot-swe-agent\[bot\]) <198982749\+Copilot@users\."
                                  r"noreply\.github\.com>$")],
    ("jules", "author"): [(r"^AUTHOR google-labs-jules\[bot\] <161369871\+google-labs-jules\[bot\]@users\."
                          r"noreply\.github\.com>$")],
    ("aider", "author"): [r"^AUTHOR .+ \(aider\) <"],
    ("aider", "committer"): [r"^COMMITTER .+ \(aider\) <"],
}
ANY_MARKER = re.compile(r"noreply@anthropic|cursoragent@|@openai\.com|devin-ai|198982749|google-labs-jules|"
                        r"\(aider\)|Generated with", re.MULTILINE)


def test_ground_truth_commits_carry_their_markers(world, truth):
    repo = world / "repo"
    tools = set()
    for c in truth["commits"]:
        raw = git(repo, "log", "-1", "--format=AUTHOR %an <%ae>%nCOMMITTER %cn <%ce>%n%B", c["sha"])
        if c["ai_tool"] is None:
            assert not ANY_MARKER.search(raw), c["subject"]
            assert c["ai_authored"] is False
            continue
        tools.add(c["ai_tool"])
        if c["evidence_kind"] == "git_ai_note":
            note = git(repo, "notes", "--ref=ai", "show", c["sha"])
            assert '"schema_version": "authorship/3.0.0"' in note and c["git_ai_note"]["path"] in note
            assert re.search(r"^  s_[0-9a-f]{14}::t_[0-9a-f]{14} \d+-\d+$", note, re.MULTILINE)
            assert not ANY_MARKER.search(raw)
            continue
        for pattern in MARKERS[(c["ai_tool"], c["evidence_kind"])]:
            assert re.search(pattern, raw, re.MULTILINE | re.IGNORECASE), (c["subject"], pattern)
        if c["evidence_kind"] == "committer":
            assert c["ai_authored"] is False and not re.search(r"^AUTHOR .+\(aider\)", raw, re.MULTILINE)
    assert {"claude_code", "copilot_agent", "cursor", "aider", "codex", "devin", "jules"} <= tools
    assert 60 <= len(truth["commits"]) <= 150 and len(truth["releases"]) >= 5


def test_scaled_output_counts(world, truth):
    sentry = world / "landing" / "sentry"
    real = truth["events"]["real"]
    ids = set()
    n = 0
    for path in sorted(sentry.glob("scaled-*.ndjson")):
        for line in path.read_text().splitlines():
            ev = json.loads(line)
            ids.add(ev["event_id"])
            n += 1
    assert n == (SCALE - 1) * real == truth["events"]["scaled"] and len(ids) == n
    assert len(list(sentry.glob("scaled-*.ndjson"))) >= 3
    with (world / "ground_truth_events.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == real * SCALE
    counts = defaultdict(int)
    for r in rows:
        counts[r["bug_id"]] += 1
    for b in truth["bugs"]:
        assert counts[b["bug_id"]] == b["event_count"] == b["real_event_count"] * SCALE
    log_lines = sum(len(p.read_text().splitlines()) for p in (world / "landing" / "logs").glob("scaled-*.jsonl"))
    assert log_lines == (SCALE - 1) * real


def test_logs_incidents_secrets_and_injection(world, events):
    logs = world / "landing" / "logs"
    records = [json.loads(x) for x in (logs / "shop-api.jsonl").read_text().splitlines()]
    assert {"timestamp", "level", "logger", "message", "trace_id"} <= set(records[0])
    tracebacks = [r for r in records if r.get("exception")]
    assert tracebacks and all("Traceback (most recent call last):" in r["exception"] for r in tracebacks)
    event_traces = {ev["contexts"]["trace"]["trace_id"] for _, _, ev in events}
    assert {r["trace_id"] for r in tracebacks} <= event_traces
    line_re = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR) [\w.]+: ")
    text = (logs / "shop-api.log").read_text()
    older = gzip.decompress((logs / "shop-api-2026-10.log.gz").read_bytes()).decode()
    for blob in (text, older):
        lines = blob.splitlines()
        heads = [x for x in lines if line_re.match(x)]
        assert len(heads) > 1000 and len(lines) > len(heads)  # continuation lines = tracebacks
    everything = text + older + (logs / "shop-worker.jsonl").read_text()
    for secret in (planted.PAYMENTS_JWT, planted.AWS_ACCESS_KEY_ID, planted.DB_PASSWORD, "@example.com"):
        assert secret in everything
    raw_events = json.dumps([ev for _, _, ev in events])
    for secret in (planted.USER_JWT, planted.AWS_ACCESS_KEY_ID, planted.AWS_SECRET_ACCESS_KEY, planted.DB_PASSWORD):
        assert secret in raw_events
    assert any(planted.PROMPT_INJECTION in (ev["exception"]["values"][-1]["value"] or "") for _, _, ev in events)
    with (world / "landing" / "incidents" / "incidents.csv").open() as fh:
        incidents = list(csv.DictReader(fh))
    assert {"id", "title", "severity", "status", "started_at", "resolved_at", "services", "summary",
            "trace_ids"} <= set(incidents[0])
    mentioned = {t for i in incidents for t in i["trace_ids"].split()}
    assert mentioned and mentioned <= event_traces
    inc = json.loads((world / "landing" / "incidents" / "INC-2050.json").read_text())
    assert set(inc["trace_ids"]) <= event_traces


def test_bad_scale_is_refused(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path / "x", scale=0)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "keep.txt").write_text("user data")
    with pytest.raises(FileExistsError):
        generate(tmp_path / "mine")
    assert (tmp_path / "mine" / "keep.txt").exists()
