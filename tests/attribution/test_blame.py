"""Blame at the revision on real histories: moved lines, re-indent commits, .git-blame-ignore-revs,
and the whole-file cache reused across events and runs."""

from __future__ import annotations

from models.attribution import attribute, blame_pending, resolve_frames
from models.history import ingest_repository

from .helpers import GitRepoBuilder, add_event, config_for, frame, git_blame_line, repo_config


def blamed(con, event_id: str) -> str | None:
    row = con.execute(
        "SELECT commit_sha FROM frame_attribution WHERE event_id = ? AND is_crash_site", [event_id]
    ).fetchall()
    return row[0][0] if row else None


def setup(tmp_path, con, files_by_commit: list[tuple[dict, str]]):
    repo = GitRepoBuilder(tmp_path / "repo")
    shas = [repo.commit(files, msg) for files, msg in files_by_commit]
    repo.tag("v1.0.0")
    cfg = repo_config(repo.path)
    ingest_repository(con, cfg)
    return repo, shas, config_for(cfg)


def test_line_moved_by_later_commit_keeps_its_author(tmp_path, warehouse):
    body = "def charge(card):\n    return gateway.charge(card, timeout=None)\n"
    repo, (c1, _c2), config = setup(
        tmp_path,
        warehouse,
        [
            ({"pay.py": body}, "add charge"),
            ({"pay.py": "import gateway\n\n\n" + body}, "imports on top"),  # moves the line down by 3
        ],
    )
    add_event(
        warehouse, "e", [frame("pay.py", 5, "return gateway.charge(card, timeout=None)")], release="v1.0.0"
    )
    attribute(warehouse, config)
    assert blamed(warehouse, "e") == c1
    assert git_blame_line(repo.path, "v1.0.0", "pay.py", 5) == c1


def test_reindent_commit_is_ignored_by_whitespace_insensitive_blame(tmp_path, warehouse):
    _repo, (c1, _c2), config = setup(
        tmp_path,
        warehouse,
        [
            ({"svc.py": "def f(x):\n  if x:\n    return x['id']\n"}, "feature"),
            ({"svc.py": "def f(x):\n    if x:\n        return x['id']\n"}, "reformat: 4-space indent"),
        ],
    )
    add_event(warehouse, "e", [frame("svc.py", 3, "return x['id']")], release="v1.0.0")
    attribute(warehouse, config)
    assert blamed(warehouse, "e") == c1


def test_git_blame_ignore_revs_is_honoured(tmp_path, warehouse):
    repo = GitRepoBuilder(tmp_path / "repo")
    c1 = repo.commit({"db.py": "q = 'SELECT * FROM t WHERE id = %s' % uid\n"}, "query")
    c2 = repo.commit({"db.py": 'q = "SELECT * FROM t WHERE id = %s" % uid\n'}, "black: quotes")
    c3 = repo.commit({".git-blame-ignore-revs": f"# formatting\n{c2}\n"}, "ignore the formatting commit")
    repo.tag("v1.0.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    add_event(
        warehouse, "e", [frame("db.py", 1, 'q = "SELECT * FROM t WHERE id = %s" % uid')], release="v1.0.0"
    )
    attribute(warehouse, config_for(cfg))
    assert blamed(warehouse, "e") == c1  # without the file git would say c2
    assert git_blame_line(repo.path, "v1.0.0", "db.py", 1) == c2
    assert (
        git_blame_line(repo.path, "v1.0.0", "db.py", 1, ignore_revs=repo.path / ".git-blame-ignore-revs")
        == c1
    )
    assert c3


def test_blame_cache_is_reused_across_events_and_runs(tmp_path, warehouse):
    files = {f"m{i}.py": "".join(f"v{j} = {i} * {j}\n" for j in range(1, 11)) for i in range(3)}
    _repo, (c1,), config = setup(tmp_path, warehouse, [(files, "modules")])
    for i in range(3):
        for j in (2, 5, 9):
            add_event(warehouse, f"e{i}{j}", [frame(f"m{i}.py", j, f"v{j} = {i} * {j}")], release="v1.0.0")
    first = attribute(warehouse, config)
    assert first["blame"]["files_blamed"] == 3  # 9 frames, 3 files: one blame per file
    assert first["resolve"]["events"] == 9
    lines_before = warehouse.execute("SELECT count(*) FROM core.blame_lines").fetchall()[0][0]

    second = attribute(warehouse, config)
    assert second["resolve"]["events"] == 0
    assert second["blame"]["files_blamed"] == 0 and second["blame"]["cache_hits"] == 3

    # A new event on an already blamed line at the same revision: resolved, not blamed again.
    add_event(warehouse, "again", [frame("m1.py", 5, "v5 = 1 * 5")], release="v1.0.0")
    resolve_frames(warehouse, config)
    third = blame_pending(warehouse, config)
    assert third["files_blamed"] == 0 and third["cache_hits"] == 3
    assert blamed(warehouse, "again") == c1
    assert warehouse.execute("SELECT count(*) FROM core.blame_lines").fetchall()[0][0] == lines_before
    # Only the lines frames point at are blamed (one `-L` per line run): a new line is one more call
    # for that line alone.
    assert lines_before == 9
    add_event(warehouse, "late", [frame("m1.py", 7, "v7 = 1 * 7")], release="v1.0.0")
    resolve_frames(warehouse, config)
    fourth = blame_pending(warehouse, config)
    assert fourth["files_blamed"] == 1 and fourth["lines"] == 1 and fourth["cache_hits"] == 2
    assert blamed(warehouse, "late") == c1
    # Every resolved frame has a blame row.
    assert (
        warehouse.execute(
            "SELECT count(*) FROM frame_attribution WHERE status = 'resolved' AND commit_sha IS NULL"
        ).fetchall()[0][0]
        == 0
    )


def test_placed_lines_reach_blame_file_by_file_while_frames_still_resolve(tmp_path, warehouse, monkeypatch):
    """`attribute` starts git on a file as soon as resolution has placed all of its lines (every revision
    of it in one hand-over), not after the last frame; a file with lines blamed in an earlier run is handed
    over at the end with only its new lines. Nothing is lost: the hand-overs add up to exactly the placed
    lines not blamed yet, and every blame still equals `git blame -w`."""
    from models.attribution import resolve as resolve_module

    files = {f"m{i}.py": "".join(f"v{j} = {i} * {j}\n" for j in range(1, 11)) for i in range(4)}
    repo = GitRepoBuilder(tmp_path / "repo")
    repo.commit(files, "modules")
    repo.tag("v1.0.0")
    repo.commit({"m2.py": files["m2.py"].replace("v4 = 2 * 4", "v4 = 2 * 4 + 1")}, "change m2")
    repo.tag("v1.1.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    config = config_for(cfg)
    add_event(warehouse, "old", [frame("m0.py", 2, "v2 = 0 * 2")], release="v1.0.0")
    attribute(warehouse, config)  # m0.py line 2 is blamed now

    add_event(warehouse, "a", [frame("m0.py", 2, "v2 = 0 * 2"), frame("m0.py", 5, "v5 = 0 * 5")], release="v1.0.0")
    add_event(warehouse, "b", [frame("/srv/app/m1.py", 3, "v3 = 1 * 3"), frame("m1.py", 6, "v6 = 1 * 6")],
              release="v1.0.0")
    add_event(warehouse, "c", [frame("m2.py", 4, "v4 = 2 * 4")], release="v1.0.0")
    add_event(warehouse, "d", [frame("m2.py", 4, "v4 = 2 * 4 + 1"), frame("m3.py", 8, "v8 = 3 * 8")],
              release="v1.1.0")
    v1, v11 = repo.git("rev-parse", "v1.0.0^{commit}"), repo.git("rev-parse", "v1.1.0^{commit}")

    resolved = []
    original = resolve_module.FrameResolver.resolve

    def counting(self, *args, **kwargs):
        resolved.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(resolve_module.FrameResolver, "resolve", counting)
    calls: list[tuple[int, dict]] = []
    counts = resolve_frames(warehouse, config, on_placed=lambda f: calls.append((len(resolved), f)))

    assert counts["distinct_frames"] == len(resolved) == 7
    assert calls[0][0] < len(resolved)  # git is handed the first file before the last frame is resolved
    handed = [file for _, f in calls for file in f]
    assert len(handed) == len(set(handed))  # each file once
    m2_call = next(f for _, f in calls if ("shop", v1, "m2.py") in f)
    assert ("shop", v11, "m2.py") in m2_call  # both revisions of m2.py together: one blame can serve both
    assert calls[-1][1] == {("shop", v1, "m0.py"): [5]}  # blamed before: checked at the end, new line only
    assert {(file, line) for _, f in calls for file, lines in f.items() for line in lines} == {
        (("shop", v1, "m0.py"), 5), (("shop", v1, "m1.py"), 3), (("shop", v1, "m1.py"), 6),
        (("shop", v1, "m2.py"), 4), (("shop", v11, "m2.py"), 4), (("shop", v11, "m3.py"), 8),
    }

    blamed_now = blame_pending(warehouse, config)
    assert blamed_now["files_blamed"] == 5 and blamed_now["lines"] == 6  # m0.py line 2 was cached
    rows = warehouse.execute(
        "SELECT revision, repo_path, line, commit_sha FROM frame_attribution WHERE status = 'resolved'"
    ).fetchall()
    assert len(rows) == 8
    assert all(sha == git_blame_line(repo.path, rev, path, line) for rev, path, line, sha in rows)
