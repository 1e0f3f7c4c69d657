"""Suspect commits per cluster: scoring order over frames, and fix detection + SZZ refinement."""

from __future__ import annotations

import json

from models.attribution import attribute
from models.history import ingest_repository

from .helpers import GitRepoBuilder, add_cluster, add_event, config_for, frame, repo_config

HANDLER = "from lib import load\n\ndef handle(req):\n    return load(req)\n"


def test_suspects_rank_crash_site_commit_above_outer_frames(tmp_path, warehouse):
    repo = GitRepoBuilder(tmp_path / "repo")
    c1 = repo.commit(
        {"app.py": HANDLER, "lib.py": "def load(req):\n    return 1\n\ndef other():\n    pass\n"}, "base"
    )
    c2 = repo.commit(
        {"lib.py": "def load(req):\n    return req['body']['id']\n\ndef other():\n    pass\n"},
        "parse body\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
    )
    c3 = repo.commit(
        {"lib.py": "def load(req):\n    return req['body']['id']\n\ndef other():\n    return None.x\n"},
        "other",
    )
    repo.tag("v1.0.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    outer = frame("app.py", 4, "return load(req)")
    for i in range(3):
        add_event(
            warehouse, f"a{i}", [outer, frame("lib.py", 2, "return req['body']['id']")], release="v1.0.0"
        )
    add_event(warehouse, "a3", [outer, frame("lib.py", 5, "return None.x")], release="v1.0.0")
    add_cluster(warehouse, "C-1", ["a0", "a1", "a2", "a3"])
    result = attribute(warehouse, config_for(cfg))
    assert result["suspects"]["clusters"] == 1

    rows = warehouse.execute(
        "SELECT rank, commit_sha, score, method, ai_tool, evidence FROM suspect_commits WHERE cluster_id = 'C-1' ORDER BY rank"
    ).fetchall()
    # c2 wrote the crash line of 3/4 events (weight 1); c1 the outer frame of all 4 (weight 0.5); c3 one crash.
    assert [(r[0], r[1], r[2]) for r in rows] == [(1, c2, 0.75), (2, c1, 0.5), (3, c3, 0.25)]
    assert rows[0][3] == "blame" and rows[0][4] == "claude_code"
    sites = json.loads(rows[0][5])["sites"]
    assert sites[0] == {"path": "lib.py", "line": 2, "function": "f", "depth": 0, "events": 3}


def test_fix_release_records_fix_commit_and_szz_introducer(tmp_path, warehouse):
    repo = GitRepoBuilder(tmp_path / "repo")
    repo.commit(
        {
            "app.py": HANDLER,
            "svc.py": "def get(d):\n    return d\n",
            "other.py": "def o(x):\n    return x[0]\n",
        },
        "base",
    )
    bug = repo.commit({"svc.py": "def get(d):\n    key = 'id'\n    return d[key]\n"}, "lookup by key")
    repo.tag("v1.0.0")
    repo.commit({"README.md": "docs\n"}, "docs")
    fix = repo.commit({"svc.py": "def get(d):\n    return d.get('id')\n"}, "fix: KeyError on missing id")
    repo.tag("v1.1.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    for i in range(3):  # the failing cluster, only on v1.0.0
        add_event(
            warehouse,
            f"k{i}",
            [frame("app.py", 4, "return load(req)"), frame("svc.py", 3, "return d[key]")],
            release="v1.0.0",
            ts=f"2026-02-0{i + 1} 10:00:00",
        )
    for i in range(2):  # another cluster keeps occurring on v1.1.0: the release did run
        add_event(
            warehouse,
            f"o{i}",
            [frame("other.py", 2, "return x[0]")],
            release="v1.1.0",
            ts=f"2026-02-1{i} 10:00:00",
        )
    add_cluster(warehouse, "C-key", ["k0", "k1", "k2"])
    add_cluster(warehouse, "C-other", ["o0", "o1"])
    result = attribute(warehouse, config_for(cfg))
    assert result["suspects"]["fixes"] == 1

    top = warehouse.execute(
        "SELECT commit_sha, method, fix_commit, evidence FROM suspect_commits WHERE cluster_id = 'C-key' AND rank = 1"
    ).fetchall()[0]
    assert top[:3] == (bug, "szz", fix)
    szz = json.loads(top[3])["szz"]
    assert szz["fix_release"] == "1.1.0" and szz["candidates"] == {
        bug: 2
    }  # both deleted lines came from `bug`
    # The other cluster did not stop: no fix recorded.
    assert (
        warehouse.execute(
            "SELECT count(*) FROM suspect_commits WHERE cluster_id = 'C-other' AND fix_commit IS NOT NULL"
        ).fetchall()[0][0]
        == 0
    )


def test_reformat_between_releases_is_not_a_fix(tmp_path, warehouse):
    """A cluster that stops after a release whose only change to the crash line is formatting (here
    listed in .git-blame-ignore-revs as well) gets no fix commit; blame still names the introducer."""
    repo = GitRepoBuilder(tmp_path / "repo")
    repo.commit({"other.py": "def o(x):\n    return x[0]\n"}, "base")
    bug = repo.commit({"svc.py": "def get(d):\n    return d['id']\n"}, "lookup")
    repo.tag("v1.0.0")
    fmt = repo.commit({"svc.py": 'def get(d):\n    return d["id"]\n'}, "style: black")
    repo.commit({".git-blame-ignore-revs": f"{fmt}\n"}, "ignore black")
    repo.tag("v1.1.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    add_event(
        warehouse, "k", [frame("svc.py", 2, "return d['id']")], release="v1.0.0", ts="2026-02-01 10:00:00"
    )
    add_event(
        warehouse, "o", [frame("other.py", 2, "return x[0]")], release="v1.1.0", ts="2026-02-10 10:00:00"
    )
    add_cluster(warehouse, "C-key", ["k"])
    add_cluster(warehouse, "C-other", ["o"])
    result = attribute(warehouse, config_for(cfg))
    assert result["suspects"]["fixes"] == 0
    top = warehouse.execute(
        "SELECT commit_sha, method, fix_commit FROM suspect_commits WHERE cluster_id = 'C-key'"
    ).fetchall()
    assert top == [(bug, "blame", None)]


def test_chained_exception_frames_weigh_less_than_the_main_exception(tmp_path, warehouse):
    repo = GitRepoBuilder(tmp_path / "repo")
    cause = repo.commit({"db.py": "def q():\n    raise IOError('db down')\n"}, "db")
    wrapper = repo.commit({"svc.py": "def s():\n    raise RuntimeError('wrapped')\n"}, "svc")
    repo.tag("v1.0.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    add_event(warehouse, "e", [frame("svc.py", 2, "raise RuntimeError('wrapped')")], release="v1.0.0")
    # The cause (raised first, Sentry order: index 0) is in db.py; the main exception is index 1.
    warehouse.execute("UPDATE core.exceptions SET exception_index = 1 WHERE event_id = 'e'")
    warehouse.execute("UPDATE core.frames SET exception_index = 1 WHERE event_id = 'e'")
    warehouse.execute(
        "INSERT INTO core.exceptions (event_id, exception_index, is_main, type) VALUES ('e', 0, false, 'OSError')"
    )
    warehouse.execute(
        "INSERT INTO core.frames (event_id, exception_index, frame_index, is_innermost, filename, abs_path, lineno,"
        " context_line, in_app) VALUES ('e', 0, 0, true, 'db.py', 'db.py', 2, 'raise IOError(''db down'')', true)"
    )
    add_cluster(warehouse, "C-1", ["e"])
    attribute(warehouse, config_for(cfg))
    rows = warehouse.execute("SELECT commit_sha, score FROM suspect_commits ORDER BY rank").fetchall()
    assert rows == [(wrapper, 1.0), (cause, 0.5)]
    site = warehouse.execute("SELECT repo_path FROM frame_attribution WHERE is_crash_site").fetchall()
    assert site == [("svc.py",)]


def test_a_reintroduced_bug_ranks_the_reintroducing_commit_first(tmp_path, warehouse):
    """The bug line was written, fixed, and written again by another commit. More events ran the old
    releases, but the fix lies between the two commits: the one that brought the bug back is ranked
    first; the original stays a suspect and the evidence names it and the fix."""
    repo = GitRepoBuilder(tmp_path / "repo")
    repo.commit({"app.py": HANDLER, "http.py": "def fetch(url):\n    return get(url)\n"}, "base")
    planted = repo.commit({"http.py": "def fetch(url):\n    return get(url, timeout=None)\n"}, "no timeout")
    repo.tag("v1.0.0")
    fix = repo.commit({"http.py": "def fetch(url):\n    return get(url, timeout=5)\n"}, "fix: timeout")
    repo.tag("v1.1.0")
    again = repo.commit({"http.py": "def fetch(url, t=None):\n    return get(url, timeout=t)\n"}, "simplify")
    repo.tag("v1.2.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    ids = []
    for i in range(4):  # many events before the fix
        add_event(warehouse, f"old{i}", [frame("http.py", 2, "return get(url, timeout=None)")],
                  release="v1.0.0", ts=f"2026-02-0{i + 1} 10:00:00")  # fmt: skip
        ids.append(f"old{i}")
    for i in range(2):  # fewer after the reintroduction
        add_event(warehouse, f"new{i}", [frame("http.py", 2, "return get(url, timeout=t)")],
                  release="v1.2.0", ts=f"2026-03-0{i + 1} 10:00:00")  # fmt: skip
        ids.append(f"new{i}")
    add_cluster(warehouse, "C-timeout", ids)
    result = attribute(warehouse, config_for(cfg))
    assert result["suspects"]["reintroduced"] == 1
    rows = warehouse.execute(
        "SELECT rank, commit_sha, method, evidence FROM suspect_commits WHERE cluster_id = 'C-timeout' ORDER BY rank"
    ).fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [(1, again, "reintroduced"), (2, planted, "blame")]
    evidence = json.loads(rows[0][3])["reintroduced"]
    assert evidence["original_commit"] == planted and evidence["fix_commit"] == fix


def test_a_line_rewritten_without_a_fix_in_between_keeps_the_score_order(tmp_path, warehouse):
    """The younger commit rewrote the bug line itself (no fix between them): ranking stays by score."""
    repo = GitRepoBuilder(tmp_path / "repo")
    repo.commit({"http.py": "def fetch(url):\n    return get(url)\n"}, "base")
    planted = repo.commit({"http.py": "def fetch(url):\n    return get(url, timeout=None)\n"}, "no timeout")
    repo.tag("v1.0.0")
    rewrite = repo.commit({"http.py": "def fetch(url):\n    return get(url, timeout=None, verify=True)\n"}, "verify")
    repo.tag("v1.1.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    for i in range(3):
        add_event(warehouse, f"a{i}", [frame("http.py", 2, "return get(url, timeout=None)")],
                  release="v1.0.0", ts=f"2026-02-0{i + 1} 10:00:00")  # fmt: skip
    add_event(warehouse, "b", [frame("http.py", 2, "return get(url, timeout=None, verify=True)")],
              release="v1.1.0", ts="2026-03-01 10:00:00")  # fmt: skip
    add_cluster(warehouse, "C", ["a0", "a1", "a2", "b"])
    attribute(warehouse, config_for(cfg))
    rows = warehouse.execute("SELECT commit_sha, method FROM suspect_commits ORDER BY rank").fetchall()
    assert rows == [(planted, "blame"), (rewrite, "blame")]
