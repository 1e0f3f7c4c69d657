"""AI figures on known histories: git-ai line ranges beat commit markers; per-cluster shares; per-tool
failure rates per 1,000 lines; new clusters per release."""

from __future__ import annotations

from models.attribution import attribute
from models.history import ingest_repository

from .helpers import GitRepoBuilder, add_cluster, add_event, config_for, frame, repo_config

CLAUDE_TRAILER = "\n\nCo-Authored-By: Claude <noreply@anthropic.com>"


def _note(path: str, human: str | None = None, ai: str | None = None, tool: str = "cursor") -> str:
    lines = [path]
    if ai:
        lines.append(f"  s_0123456789abcd::t_0123456789abcd {ai}")
    if human:
        lines.append(f"  h_0123456789abcd {human}")
    meta = (
        '{"schema_version": "authorship/3.0.0", "prompts": {"s_0123456789abcd::t_0123456789abcd": '
        f'{{"agent_id": {{"tool": "{tool}"}}}}}}}}'
    )
    return "\n".join(lines) + "\n---\n" + meta


def test_git_ai_line_ranges_take_precedence_over_commit_markers(tmp_path, warehouse):
    repo = GitRepoBuilder(tmp_path / "repo")
    body = "def a():\n    return 1\n\ndef b():\n    return 2\n"
    marked = repo.commit({"m.py": body}, "feature" + CLAUDE_TRAILER)  # commit-level: claude_code
    repo.git(
        "notes", "--ref=ai", "add", "-m", _note("m.py", human="4-5"), marked
    )  # ...but lines 4-5 by a human
    plain = repo.commit({"m.py": body + "\ndef c():\n    return 3\n"}, "more")  # no marker
    repo.git("notes", "--ref=ai", "add", "-m", _note("m.py", ai="7-8", tool="cursor"), plain)  # AI lines 7-8
    repo.commit(
        {"m.py": "import os\n\n" + body + "\ndef c():\n    return 3\n"}, "imports"
    )  # shifts every line by 2
    repo.tag("v1.0.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    add_event(warehouse, "line2", [frame("m.py", 4, "return 1")], release="v1.0.0")
    add_event(warehouse, "line5", [frame("m.py", 7, "return 2")], release="v1.0.0")
    add_event(warehouse, "line8", [frame("m.py", 10, "return 3")], release="v1.0.0")
    attribute(warehouse, config_for(cfg))
    got = {
        r[0]: r[1:]
        for r in warehouse.execute(
            "SELECT event_id, commit_sha, orig_line, ai_authored, ai_tool, ai_origin, ai_evidence FROM frame_attribution"
        ).fetchall()
    }
    assert got["line2"] == (marked, 2, True, "claude_code", "ai_authored", "commit_marker")
    assert got["line5"] == (marked, 5, False, None, "human_line", "git_ai_note")
    assert got["line8"] == (plain, 8, True, "cursor", "ai_line", "git_ai_note")


def test_cluster_shares_and_per_tool_rates_on_a_known_history(tmp_path, warehouse):
    repo = GitRepoBuilder(tmp_path / "repo")
    human_file = "".join(f"h{i} = data[{i}]\n" for i in range(1, 41))  # 40 lines by a human
    ai_file = "".join(f"a{i} = data[{i}]\n" for i in range(1, 21))  # 20 lines by Claude Code
    c1 = repo.commit({"h.py": human_file}, "human module")
    c2 = repo.commit({"a.py": ai_file}, "ai module" + CLAUDE_TRAILER)
    repo.commit({"c.py": "x = 1\n" * 10}, "cursor module\n\nCo-authored-by: Cursor <cursoragent@cursor.com>")
    repo.tag("v1.0.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)

    def ev(eid, path, n, prefix):
        add_event(warehouse, eid, [frame(path, n, f"{prefix}{n} = data[{n}]")], release="v1.0.0")

    for i in range(3):
        ev(f"k1_{i}", "a.py", 1, "a")
    ev("k2_0", "a.py", 5, "a")
    ev("k3_0", "h.py", 3, "h")
    ev("k3_1", "h.py", 4, "h")
    ev("k4_0", "a.py", 7, "a")
    ev("k4_1", "a.py", 7, "a")
    ev("k4_2", "h.py", 9, "h")
    add_cluster(warehouse, "K1", ["k1_0", "k1_1", "k1_2"])
    add_cluster(warehouse, "K2", ["k2_0"])
    add_cluster(warehouse, "K3", ["k3_0", "k3_1"])
    add_cluster(warehouse, "K4", ["k4_0", "k4_1", "k4_2"])
    attribute(warehouse, config_for(cfg))

    shares = {
        r[0]: r[1:]
        for r in warehouse.execute(
            "SELECT cluster_id, events, ai_events, ai_event_share, crash_sites, ai_crash_sites, ai_site_share, dominant_tool,"
            " top_suspect FROM cluster_attribution"
        ).fetchall()
    }
    assert shares["K1"] == (3, 3, 1.0, 1, 1, 1.0, "claude_code", c2)
    assert shares["K3"] == (2, 0, 0.0, 2, 0, 0.0, "unknown/human", c1)
    assert shares["K4"][:7] == (3, 2, 0.6667, 2, 1, 0.5, "claude_code")
    by_tool = warehouse.execute("SELECT by_tool FROM cluster_attribution WHERE cluster_id = 'K4'").fetchall()[
        0
    ][0]
    assert [(t["tool"], t["events"], t["crash_sites"]) for t in by_tool] == [
        ("claude_code", 2, 1),
        ("unknown/human", 1, 1),
    ]

    rates = {
        r[0]: r[1:]
        for r in warehouse.execute(
            "SELECT tool, failures, events, crash_sites, lines_added, failures_per_kloc, events_per_kloc FROM ai_failure_rates"
        ).fetchall()
    }
    # Paths with frames are a.py and h.py; the cursor commit's c.py lines are outside them.
    assert set(rates) == {"claude_code", "unknown/human"}
    assert rates["claude_code"] == (3, 6, 3, 20, 150.0, 300.0)  # K1, K2, K4 over 20 lines; sites a.py:1,5,7
    assert rates["unknown/human"] == (1, 3, 3, 40, 25.0, 75.0)  # K3 over 40 lines

    rel = warehouse.execute(
        "SELECT release, new_clusters, ai_introduced, introduced_by FROM release_attribution"
    ).fetchall()
    assert [(r[0], r[1], r[2]) for r in rel] == [("1.0.0", 4, 3)]
    assert {i["cluster_id"]: i["commit_sha"] for i in rel[0][3]} == {"K1": c2, "K2": c2, "K3": c1, "K4": c2}
