"""Attribution on imperfect repositories degrades per file with a recorded reason: blob objects deleted
(as in a partial or damaged clone) and a shallow clone, which is retried when the history is deepened.
Every blamed frame equals `git blame -w` at its revision."""

from __future__ import annotations

import subprocess

from models import git as edge
from models.attribution import attribute, unresolved_hints
from models.history import ingest_repository
from models.history.git import changed_files, commits_lacking_objects, missing_objects, objects_present

from .helpers import GitRepoBuilder, add_event, config_for, event_frames, frame, git_blame_line, repo_config


def outcomes(con) -> dict[str, tuple]:
    return {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT event_id, status, reason, commit_sha, repo_path, line, revision, detail FROM frame_attribution"
        ).fetchall()
    }


def assert_blame_oracle(con, repo_path) -> int:
    rows = con.execute(
        "SELECT revision, repo_path, line, commit_sha FROM frame_attribution WHERE status = 'resolved'"
    ).fetchall()
    for rev, path, line, sha in rows:
        assert sha == git_blame_line(repo_path, rev, path, line), (rev, path, line)
    return len(rows)


def test_missing_blobs_fail_only_the_files_that_need_them(tmp_path, warehouse):
    repo = GitRepoBuilder(tmp_path / "svc")
    old_core = "def core(x):\n    return x + 1\n"
    repo.commit({"app/core.py": old_core, "app/util.py": "def util(y):\n    return y * 2\n"}, "base")
    core_fix = repo.commit({"app/core.py": "def core(x):\n    return x + 2\n"}, "core: +2")
    data = "ROWS = load()\n"
    repo.commit({"app/data.py": data}, "data")
    util_fix = repo.commit({"app/util.py": "def util(y):\n    return y * 3\n"}, "util: *3")
    repo.tag("v1.0.0")
    for content in (old_core, data):  # an old version of core.py, and data.py as it is at the release
        oid = subprocess.run(
            ["git", "-C", str(repo.path), "hash-object", "--stdin"], input=content, capture_output=True, text=True,
            check=True,
        ).stdout.strip()
        (repo.path / ".git" / "objects" / oid[:2] / oid[2:]).unlink()
    cfg = repo_config(repo.path)
    counts = ingest_repository(warehouse, cfg)  # the history ingest degrades per commit, never as a whole
    assert counts["commits_total"] == 4 and counts["commits_degraded_total"] == 3
    add_event(warehouse, "util", [frame("util.py", 2, "return y * 3")], release="v1.0.0")
    add_event(warehouse, "core", [frame("core.py", 2, "return x + 2")], release="v1.0.0")
    add_event(warehouse, "data", [frame("data.py", 1, "ROWS = load()")], release="v1.0.0")
    result = attribute(warehouse, config_for(cfg))
    got = outcomes(warehouse)
    assert got["util"][:4] == ("resolved", None, util_fix, "app/util.py")
    assert got["core"][:2] == ("unresolved", "blame_failed") and "Cannot read blob" in got["core"][-1]
    assert got["data"][:2] == ("unresolved", "missing_object") and "app/data.py" in got["data"][-1]
    assert result["blame"]["failed"] == 1
    assert assert_blame_oracle(warehouse, repo.path) == 1

    # the clone is repaired (the objects written back): the degraded commits are read again in full and
    # the frames retried, though no commit, tag or release changed
    for content in (old_core, data):
        subprocess.run(["git", "-C", str(repo.path), "hash-object", "-w", "--stdin"], input=content, text=True,
                       capture_output=True, check=True)  # fmt: skip
    counts = ingest_repository(warehouse, cfg)
    assert (counts["mode"], counts["commits_repaired"], counts["commits_degraded_total"]) == ("unchanged", 3, 0)
    assert warehouse.execute("SELECT count(*) FROM core.commit_files WHERE added IS NULL").fetchall() == [(0,)]
    assert attribute(warehouse, config_for(cfg))["resolve"]["events"] == 2
    got = outcomes(warehouse)
    assert (got["core"][:3], got["data"][:3]) == (("resolved", None, core_fix), ("resolved", None, got["data"][2]))
    assert assert_blame_oracle(warehouse, repo.path) == 3
    assert ingest_repository(warehouse, cfg)["commits_repaired"] == 0


def test_an_object_gone_for_good_does_not_hide_the_repair_of_the_rest(tmp_path, warehouse):
    """The newest degraded commit lacks a blob the upstream lacks too; the older ones get theirs back."""
    repo = GitRepoBuilder(tmp_path / "svc")
    old_core = "def core(x):\n    return x + 1\n"
    repo.commit({"app/core.py": old_core}, "base")
    core_fix = repo.commit({"app/core.py": "def core(x):\n    return x + 2\n"}, "core: +2")
    for n in range(5):  # later degraded commits, the newest of which stays degraded for good
        repo.commit({f"app/data{n}.py": f"ROWS_{n} = load()\n"}, f"data {n}")
    repo.tag("v1.0.0")

    def oid(content: str) -> str:
        return subprocess.run(["git", "-C", str(repo.path), "hash-object", "--stdin"], input=content,
                              capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip

    gone = [old_core] + [f"ROWS_{n} = load()\n" for n in range(5)]
    for content in gone:
        (repo.path / ".git" / "objects" / oid(content)[:2] / oid(content)[2:]).unlink()
    cfg = repo_config(repo.path)
    assert ingest_repository(warehouse, cfg)["commits_degraded_total"] == 7
    add_event(warehouse, "core", [frame("core.py", 2, "return x + 2")], release="v1.0.0")
    attribute(warehouse, config_for(cfg))
    assert outcomes(warehouse)["core"][:2] == ("unresolved", "blame_failed")

    for content in gone[:-1]:  # every object back but the newest data file's
        subprocess.run(["git", "-C", str(repo.path), "hash-object", "-w", "--stdin"], input=content, text=True,
                       capture_output=True, check=True)  # fmt: skip
    counts = ingest_repository(warehouse, cfg)
    assert (counts["mode"], counts["commits_repaired"], counts["commits_degraded_total"]) == ("unchanged", 6, 1)
    assert warehouse.execute("SELECT subject FROM core.commits WHERE degraded IS NOT NULL").fetchall() == [("data 4",)]
    attribute(warehouse, config_for(cfg))
    assert outcomes(warehouse)["core"][:3] == ("resolved", None, core_fix)
    assert assert_blame_oracle(warehouse, repo.path) == 1
    assert ingest_repository(warehouse, cfg)["commits_repaired"] == 0  # what stays missing is not read again


def test_shallow_clone_lines_beyond_the_boundary_wait_for_the_history(tmp_path, warehouse):
    upstream = GitRepoBuilder(tmp_path / "upstream")
    c0 = upstream.commit({"svc.py": "def a():\n    return 1\n\ndef c():\n    return 3\n"}, "a and c")
    c1 = upstream.commit({"svc.py": "def a():\n    return 1\n\ndef c():\n    return 30\n"}, "c: 30")
    c2 = upstream.commit(
        {"svc.py": "def a():\n    return 1\n\ndef c():\n    return 30\n\ndef d():\n    return 4\n"}, "d"
    )
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{upstream.path}", str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "tag", "v1.0.0", c2], check=True)
    cfg = repo_config(clone)
    ingest_repository(warehouse, cfg)
    add_event(warehouse, "new", [frame("svc.py", 8, "return 4")], release="v1.0.0")  # written by c2
    add_event(warehouse, "old", [frame("svc.py", 2, "return 1")], release="v1.0.0")  # by c0: cut off
    add_event(warehouse, "edge", [frame("svc.py", 5, "return 30")], release="v1.0.0")  # by c1, the boundary
    first = attribute(warehouse, config_for(cfg))
    got = outcomes(warehouse)
    assert got["new"][:3] == ("resolved", None, c2)
    for eid in ("old", "edge"):
        assert got[eid][:2] == ("unresolved", "shallow_history"), eid
        assert "shallow clone" in got[eid][-1]
    assert first["blame"]["shallow_history"] == 2
    assert attribute(warehouse, config_for(cfg))["resolve"]["events"] == 0  # no new history: no retry

    subprocess.run(["git", "-C", str(clone), "fetch", "-q", "--unshallow"], check=True)
    ingest_repository(warehouse, cfg)  # the history arrives: the frames are retried
    again = attribute(warehouse, config_for(cfg))
    assert again["resolve"]["events"] == 2
    got = outcomes(warehouse)
    assert (got["old"][:3], got["edge"][:3], got["new"][:3]) == (
        ("resolved", None, c0),
        ("resolved", None, c1),
        ("resolved", None, c2),
    )
    assert assert_blame_oracle(warehouse, clone) == 3


def test_a_frame_retried_on_new_history_is_retried_with_its_whole_event(tmp_path, warehouse):
    """Resolution is per event (an event is pending while it has no resolution rows): when one of an
    event's frames waits for history and another resolved, the retry must still reach the waiting one."""
    upstream = GitRepoBuilder(tmp_path / "upstream")
    c0 = upstream.commit({"svc.py": "def a():\n    return 1\n"}, "a")
    c1 = upstream.commit({"svc.py": "def a():\n    return 1\n\ndef b():\n    return 2\n"}, "b")
    c2 = upstream.commit({"svc.py": "def a():\n    return 1\n\ndef b():\n    return 2\n\ndef d():\n    return 4\n"}, "d")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{upstream.path}", str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "tag", "v1.0.0", c2], check=True)
    cfg = repo_config(clone)
    ingest_repository(warehouse, cfg)
    add_event(warehouse, "mixed", [frame("svc.py", 2, "return 1"), frame("svc.py", 8, "return 4")], release="v1.0.0")
    attribute(warehouse, config_for(cfg))
    got = event_frames(warehouse, "mixed", "status, reason, commit_sha")
    assert {i: g[:2] for i, g in got.items()} == {0: ("unresolved", "shallow_history"), 1: ("resolved", None)}
    subprocess.run(["git", "-C", str(clone), "fetch", "-q", "--unshallow"], check=True)
    ingest_repository(warehouse, cfg)
    again = attribute(warehouse, config_for(cfg))
    assert again["resolve"]["events"] == 1
    assert event_frames(warehouse, "mixed", "status, reason, commit_sha") == {
        0: ("resolved", None, c0),
        1: ("resolved", None, c2),
    }
    rows = warehouse.execute(
        "SELECT count(*), count(DISTINCT (event_id, exception_index, frame_index)) FROM core.frame_resolutions"
    ).fetchall()
    assert rows == [(2, 2)]
    assert assert_blame_oracle(warehouse, clone) == 2
    assert c1


def test_an_event_left_partly_resolved_by_an_earlier_version_is_resolved_again_when_history_arrives(
    tmp_path, warehouse
):
    """Before the retry took whole events, a retried frame lost its row while its event kept the others:
    such an event (fewer resolution rows than frames) is resolved again at the next history change."""
    repo = GitRepoBuilder(tmp_path / "svc")
    c1 = repo.commit({"svc.py": "def a():\n    return 1\n\ndef b():\n    return 2\n"}, "a and b")
    repo.tag("v1.0.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    add_event(warehouse, "partly", [frame("svc.py", 2, "return 1"), frame("svc.py", 5, "return 2")], release="v1.0.0")
    attribute(warehouse, config_for(cfg))
    warehouse.execute("DELETE FROM core.frame_resolutions WHERE event_id = 'partly' AND frame_index = 0")
    assert attribute(warehouse, config_for(cfg))["resolve"]["events"] == 0  # pending for good, until ...
    repo.commit({"other.py": "x = 1\n"}, "more history")
    ingest_repository(warehouse, cfg)
    assert attribute(warehouse, config_for(cfg))["resolve"]["events"] == 1
    assert event_frames(warehouse, "partly", "status, commit_sha") == {0: ("resolved", c1), 1: ("resolved", c1)}


def _git_dir_digest(git_dir) -> dict[str, int]:
    """Every file under a .git folder with its size (a fetched object adds a pack)."""
    return {str(p.relative_to(git_dir)): p.stat().st_size for p in sorted(git_dir.rglob("*")) if p.is_file()}


def test_a_partial_clone_is_read_as_it_is_never_fetched_into(tmp_path, warehouse):
    """`git clone --filter=blob:none` with its promisor remote reachable: git would fetch every missing blob
    on first read, writing into the user's repository over the network. Hindsight reads what the clone
    holds, and a blob it lacks degrades the frames that need it, as in a damaged clone."""
    upstream = GitRepoBuilder(tmp_path / "upstream")
    c0 = upstream.commit({"app/core.py": "def core(x):\n    return x + 1\n",
                          "app/util.py": "def util(y):\n    return y * 2\n"}, "base")
    upstream.tag("v0.9.0")
    c1 = upstream.commit({"app/core.py": "def core(x):\n    return x + 2\n"}, "core: +2")
    c2 = upstream.commit({"app/new.py": "def new():\n    return 3\n"}, "new")
    upstream.tag("v1.0.0")
    upstream.git("config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--filter=blob:none", f"file://{upstream.path}", str(clone)], check=True)
    before = _git_dir_digest(clone / ".git")
    cfg = repo_config(clone)
    old_core = upstream.git("rev-parse", "v0.9.0:app/core.py")  # the one blob the checkout did not fetch
    # the commits whose diff needs it, found in two git runs (not one failed run per commit), with the files
    # each changed as `git diff-tree` lists them
    found = commits_lacking_objects(clone, [c2, c1, c0])
    assert {sha: d.missing for sha, d in found.items()} == {c0: {old_core}, c1: {old_core}}
    assert {sha: sorted(d.changed) for sha, d in found.items()} == {sha: sorted(changed_files(clone, sha)) for sha in (c0, c1)}
    assert [(s, p) for s, _, _, p in found[c0].changed] == [("A", "app/core.py"), ("A", "app/util.py")]
    counts = ingest_repository(warehouse, cfg)
    assert counts["commits_total"] == 3 and counts["commits_degraded_total"] == 2
    degraded = dict(warehouse.execute("SELECT sha, degraded FROM core.commits").fetchall())
    assert degraded == {c0: "missing_object", c1: "missing_object", c2: None}
    # a degraded commit keeps its files; line counts only where both blobs are here (util.py's one version)
    files = warehouse.execute("SELECT sha, path, change_type, added, deleted, degraded FROM core.commit_files").fetchall()
    assert sorted(files, key=str) == sorted([
        (c0, "app/core.py", "A", None, None, "missing_object"), (c0, "app/util.py", "A", 2, 0, None),
        (c1, "app/core.py", "M", None, None, "missing_object"), (c2, "app/new.py", "A", 2, 0, None),
    ], key=str)  # fmt: skip
    totals = warehouse.execute("SELECT sha, files_changed, lines_added FROM core.commits WHERE degraded IS NOT NULL").fetchall()
    assert sorted(totals) == sorted([(c0, 2, 2), (c1, 1, 0)])
    add_event(warehouse, "old", [frame("core.py", 2, "return x + 1")], release="v0.9.0")  # its blob is not here
    add_event(warehouse, "core", [frame("core.py", 2, "return x + 2")], release="v1.0.0")  # history needs v0.9's
    add_event(warehouse, "util", [frame("util.py", 2, "return y * 2")], release="v1.0.0")  # never changed
    add_event(warehouse, "new", [frame("new.py", 2, "return 3")], release="v1.0.0")  # one version only
    attribute(warehouse, config_for(cfg))
    got = outcomes(warehouse)
    assert got["old"][:2] == ("unresolved", "missing_object")
    assert got["core"][:2] == ("unresolved", "blame_failed") and "promisor" in got["core"][-1]
    assert got["util"][:3] == ("resolved", None, c0)
    assert got["new"][:3] == ("resolved", None, c2)
    # git stops at an object the clone lacks; reads before and after it are answered, nothing is fetched
    reader = edge.CatFile(clone)
    try:
        for _ in range(2):
            assert reader.read("v0.9.0:app/core.py") is None
            assert reader.read("v1.0.0:app/new.py") == ("blob", b"def new():\n    return 3\n")
    finally:
        reader.close()
    listed = subprocess.run(["git", "-C", str(clone), "rev-list", "--objects", "--all", "--missing=print"],
                            capture_output=True, text=True, check=True, env=edge.env()).stdout.split("\n")
    every = [line.split(" ", 1)[0].lstrip("?") for line in listed if line]
    lacking = {line[1:] for line in listed if line.startswith("?")}
    assert lacking and len(every) > 2 * len(lacking)
    assert missing_objects(clone, every) == lacking  # as git's own traversal lists them, none fetched
    # git's first stop lists what the clone lacks, once: later reads of those ids do not stop git again
    assert set(edge.absent_objects(clone)) == {bytes.fromhex(oid) for oid in lacking}
    reader = edge.CatFile(clone)
    try:
        assert reader.read(old_core) is None and set(reader._absent) == set(edge.absent_objects(clone))
        assert reader.read("v1.0.0:app/new.py")[0] == "blob"
        running = reader._proc
        assert reader.read(old_core) is None and reader._proc is running and running.poll() is None
    finally:
        reader.close()
    assert _git_dir_digest(clone / ".git") == before  # nothing fetched into the user's repository


def test_a_partial_clone_completed_as_the_hint_says_is_read_again_and_its_frames_retried(tmp_path, warehouse):
    """The user follows `hindsight attribute`'s advice for a blob:none clone: the commands it names
    complete the clone (`git fetch --refetch` alone would apply the filter again and fetch nothing), and
    the next `hindsight commits` reads the degraded commits again in full, so the next `attribute`
    retries their frames, though no commit, tag or release changed."""
    upstream = GitRepoBuilder(tmp_path / "upstream")
    c0 = upstream.commit({"app/core.py": "def core(x):\n    return x + 1\n\ndef twice(x):\n    return 2 * x\n"},
                         "base")  # fmt: skip
    upstream.tag("v0.9.0")
    readme = upstream.commit({"README": "core\n"}, "readme")
    upstream.tag("v0.9.1")  # the same core.py as v0.9.0: one absent blob named by two releases
    c1 = upstream.commit({"app/core.py": "def core(x):\n    return x + 2\n\ndef twice(x):\n    return 2 * x\n"},
                         "core: +2")  # fmt: skip
    upstream.tag("v1.0.0")
    upstream.git("config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--filter=blob:none", f"file://{upstream.path}", str(clone)], check=True)
    cfg = repo_config(clone)
    assert ingest_repository(warehouse, cfg)["commits_degraded_total"] == 2
    add_event(warehouse, "old", [frame("core.py", 2, "return x + 1")], release="v0.9.0")
    add_event(warehouse, "old2", [frame("core.py", 2, "return x + 1")], release="v0.9.1")
    add_event(warehouse, "core", [frame("core.py", 2, "return x + 2"), frame("core.py", 5, "return 2 * x")],
              release="v1.0.0")  # fmt: skip
    attribute(warehouse, config_for(cfg))
    for eid in ("old", "old2"):  # not line_mismatch (not retried): the file is not known to differ
        assert outcomes(warehouse)[eid][:2] == ("unresolved", "missing_object"), eid
    assert event_frames(warehouse, "core", "reason") == {0: ("blame_failed",), 1: ("blame_failed",)}
    fixes = {h["reason"]: h["fix"] for h in unresolved_hints(warehouse)}
    steps = (["config", "--unset", "remote.origin.partialclonefilter"], ["fetch", "--refetch", "origin"])
    for reason in ("missing_object", "blame_failed"):
        assert all(f"`git {' '.join(step)}`" in fixes[reason] for step in steps), fixes[reason]
    again = ingest_repository(warehouse, cfg)  # still partial: nothing to read again, nothing retried
    assert (again["commits_repaired"], again["commits_degraded_total"]) == (0, 2)
    assert attribute(warehouse, config_for(cfg))["resolve"]["events"] == 0

    old_core = upstream.git("rev-parse", "v0.9.0:app/core.py")
    subprocess.run(["git", "-C", str(clone), "fetch", "-q", "--refetch", "origin"], check=True)  # alone: no use
    assert ingest_repository(warehouse, cfg)["commits_repaired"] == 0
    assert not objects_present(clone, [old_core])
    for step in steps:  # as the hint says
        subprocess.run(["git", "-C", str(clone), *step], check=True, capture_output=True)
    assert objects_present(clone, [old_core, upstream.git("rev-parse", "v1.0.0:app/core.py")])
    counts = ingest_repository(warehouse, cfg)
    assert (counts["mode"], counts["commits_repaired"], counts["commits_degraded_total"]) == ("unchanged", 2, 0)
    files = warehouse.execute("SELECT sha, path, added, deleted, degraded FROM core.commit_files").fetchall()
    assert sorted(files) == sorted([(c0, "app/core.py", 5, 0, None), (readme, "README", 1, 0, None),
                                    (c1, "app/core.py", 1, 1, None)])  # fmt: skip
    assert attribute(warehouse, config_for(cfg))["resolve"]["events"] == 3
    assert outcomes(warehouse)["old"][:3] == outcomes(warehouse)["old2"][:3] == ("resolved", None, c0)
    assert event_frames(warehouse, "core", "status, commit_sha") == {0: ("resolved", c1), 1: ("resolved", c0)}
    assert assert_blame_oracle(warehouse, clone) == 4
    assert ingest_repository(warehouse, cfg)["commits_repaired"] == 0
