"""Imperfect repositories degrade per commit and per file, never as a whole: a clone with blob objects
deleted (as a partial or damaged clone lacks them) and a shallow clone, later deepened."""

from __future__ import annotations

import subprocess

from models.history import ingest_repository, load_markers
from models.history.git import stream_log
from models.warehouse import connect

from .conftest import GitRepo

MARKERS = load_markers()
BIG = "blob that will go missing\n" * 50


def drop_object(repo: GitRepo, content: str) -> str:
    """Delete the loose object holding `content` from the object store; returns its id."""
    oid = repo.git("hash-object", "--stdin", input=content)
    (repo.path / ".git" / "objects" / oid[:2] / oid[2:]).unlink()
    return oid


def test_missing_blobs_degrade_only_the_commits_that_need_them(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    c0 = repo.commit("base\n", {"app.py": "a = 1\n", "assets/big.bin": BIG})
    c1 = repo.commit("assets\n", {"assets/big.bin": BIG + "more\n", "app.py": "a = 2\n"})
    c2 = repo.commit("app\n", {"app.py": "a = 3\nb = 4\n"})
    repo.tag("v1.0.0")
    drop_object(repo, BIG)
    try:  # a single `git log --numstat` over the history dies on it (as `hindsight commits` once did)
        list(stream_log(repo.path, [c2]))
        raise AssertionError("git log should fail on the missing blob")
    except Exception as exc:  # noqa: BLE001 - any failure is what we want here
        assert "unable to read" in str(exc) or "failed" in str(exc)

    con = connect(tmp_path / "w.duckdb")
    counts = ingest_repository(con, repo.config(release_pattern="v{version}"), MARKERS)
    assert counts["commits_new"] == 3 and counts["degraded_new"] == 2 and counts["releases_total"] == 1
    commits = {r[0]: r[1:] for r in con.execute(
        "SELECT sha, degraded, files_changed, lines_added FROM commits").fetchall()}  # fmt: skip
    assert commits[c2] == (None, 1, 2)  # untouched by the missing blob: complete
    assert commits[c0] == ("missing_object", 2, 1)  # app.py counted, big.bin not
    assert commits[c1] == ("missing_object", 2, 1)
    files = {(r[0], r[1]): r[2:] for r in con.execute(
        "SELECT sha, path, added, deleted, is_binary, degraded FROM commit_files").fetchall()}  # fmt: skip
    assert files[(c0, "assets/big.bin")] == (None, None, False, "missing_object")
    assert files[(c1, "assets/big.bin")] == (None, None, False, "missing_object")
    assert files[(c1, "app.py")] == (1, 1, False, None)
    assert files[(c2, "app.py")] == (2, 1, False, None)
    # Re-running changes nothing and duplicates nothing.
    again = ingest_repository(con, repo.config(release_pattern="v{version}"), MARKERS)
    assert again["mode"] == "unchanged" and again["commits_total"] == 3
    assert con.execute("SELECT count(*) FROM core.commit_files").fetchone()[0] == len(files)


def test_a_missing_tree_keeps_the_commit_without_files(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit("base\n", {"lib/x.py": "x = 1\n"})
    c1 = repo.commit("lib\n", {"lib/x.py": "x = 2\n", "app.py": "a = 1\n"})
    tree = repo.git("rev-parse", f"{c1}:lib")
    (repo.path / ".git" / "objects" / tree[:2] / tree[2:]).unlink()
    con = connect(tmp_path / "w.duckdb")
    counts = ingest_repository(con, repo.config(), MARKERS)
    assert counts["commits_new"] == 2
    row = con.execute("SELECT degraded, files_changed FROM commits WHERE sha = ?", [c1]).fetchone()
    assert row == ("missing_tree", None)


def test_shallow_clone_boundary_has_no_files_until_deepened(tmp_path):
    upstream = GitRepo(tmp_path / "upstream")
    c0 = upstream.commit("c0\n", {"f.py": "a\nb\nc\n"})
    c1 = upstream.commit("c1\n", {"f.py": "a\nB\nc\n"})
    c2 = upstream.commit("c2\n", {"f.py": "a\nB\nC\n", "g.py": "g\n"})
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{upstream.path}", str(clone)], check=True)
    shallow = GitRepo.__new__(GitRepo)
    shallow.path, shallow._n = clone, 10
    con = connect(tmp_path / "w.duckdb")
    cfg = shallow.config()
    first = ingest_repository(con, cfg, MARKERS)
    assert first["commits_new"] == 2 and first["degraded_new"] == 1
    rows = {r[0]: r[1:] for r in con.execute("SELECT sha, degraded, files_changed, lines_added FROM commits").fetchall()}
    assert rows == {c1: ("shallow_boundary", None, None), c2: (None, 2, 2)}
    assert con.execute("SELECT count(*) FROM commit_files WHERE sha = ?", [c1]).fetchone()[0] == 0

    subprocess.run(["git", "-C", str(clone), "fetch", "-q", "--unshallow"], check=True)
    deeper = ingest_repository(con, cfg, MARKERS)
    assert deeper["mode"] == "deepened" and deeper["commits_total"] == 3
    rows = {r[0]: r[1:] for r in con.execute("SELECT sha, degraded, files_changed, lines_added FROM commits").fetchall()}
    assert rows == {c0: (None, 1, 3), c1: (None, 1, 1), c2: (None, 2, 2)}
    assert ingest_repository(con, cfg, MARKERS)["mode"] == "unchanged"


def test_commits_command_reports_degraded_commits(tmp_path):
    from typer.testing import CliRunner

    from hindsight.cli import app

    from .test_pipeline import write_config

    repo = GitRepo(tmp_path / "repo")
    repo.commit("base\n", {"app.py": "a = 1\n", "assets/big.bin": BIG})
    repo.commit("app\n", {"app.py": "a = 2\n"})
    repo.tag("v1.0.0")
    drop_object(repo, BIG)
    toml = write_config(tmp_path, repo)
    result = CliRunner().invoke(app, ["--config", str(toml), "--warehouse", str(tmp_path / "w.duckdb"), "commits"])
    assert result.exit_code == 0, result.output
    assert "shop: full — 2 new commits (2 total)" in result.output
    assert "1 commits degraded" in result.output
    repo.git("hash-object", "-w", "--stdin", input=BIG)  # the object is back: the commit is read in full
    again = CliRunner().invoke(app, ["--config", str(toml), "--warehouse", str(tmp_path / "w.duckdb"), "commits"])
    assert again.exit_code == 0, again.output
    assert "1 degraded commits read again in full" in again.output and "commits degraded" not in again.output
