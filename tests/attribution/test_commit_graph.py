"""Hindsight's own commit-graph (models/history/commit_graph.py) on real repositories in temp dirs:
written beside the warehouse by history ingest, never into the repository, read by git for blames
(its Bloom filters are queried), answers unchanged, and a failure to write it never fails ingest."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import duckdb

from benchmarks.attribution import git_floor
from models import git
from models.attribution import attribute
from models.attribution.gitrepo import open_repositories
from models.history import commit_graph, ingest_repository
from models.warehouse import ensure_schema

from .helpers import GitRepoBuilder, add_event, config_for, frame, git_blame_line, repo_config


def _tree_digest(root: Path) -> dict[str, str]:
    """Every file under the repository's .git with a digest of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _line(n: int, i: int) -> str:
    """Line n of app/core.py after commit i (commit i rewrites every third line)."""
    return f"value_{n} = compute({n}, rev={i if n % 3 == i % 3 else 0})"


def _history(tmp_path: Path) -> tuple[GitRepoBuilder, list[str]]:
    repo = GitRepoBuilder(tmp_path / "repo")
    shas = []
    for i in range(12):
        lines = [_line(n, i) for n in range(30)]
        shas.append(repo.commit({"app/core.py": "\n".join(lines) + "\n", f"app/other_{i}.py": "x = 1\n"}, f"c{i}"))
    repo.tag("v1.0.0")
    return repo, shas


def test_ingest_writes_the_graph_beside_the_warehouse_and_leaves_the_repository_untouched(tmp_path, warehouse):
    repo, _shas = _history(tmp_path)
    before = _tree_digest(repo.path / ".git")
    cfg = repo_config(repo.path)
    counts = ingest_repository(warehouse, cfg)
    assert counts["commit_graph"] == "written"
    overlay = commit_graph.usable_overlay(warehouse, cfg)
    assert overlay is not None
    assert overlay.objects.is_relative_to(tmp_path / "warehouse.git-cache")
    assert _tree_digest(repo.path / ".git") == before  # not a byte written into the user's repository
    # a re-run on unchanged history leaves the graph alone; a new commit extends it
    assert "commit_graph" not in ingest_repository(warehouse, cfg)
    repo.commit({"app/core.py": "value_0 = 0\n"}, "c12")
    assert ingest_repository(warehouse, cfg)["commit_graph"] == "written"


def test_git_reads_the_graph_for_blames_and_the_answers_do_not_change(tmp_path, warehouse):
    repo, shas = _history(tmp_path)
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    gits = open_repositories(warehouse, config_for(cfg))
    overlay = gits[cfg.name].overlay
    assert overlay is not None
    # git itself says it used the graph's changed-path Bloom filters for this blame
    trace = tmp_path / "trace.txt"
    env = {**git.env(overlay), "GIT_TRACE2_PERF": str(trace)}
    args = ["git", "-C", str(repo.path), "blame", "-w", "--porcelain", "-L", "5,5", shas[-1], "--", "app/core.py"]
    through_overlay = subprocess.run(args, env=env, capture_output=True, check=True).stdout
    assert "bloom" in trace.read_text() and "queries" in trace.read_text()
    plain = subprocess.run(args, env=git.env(), capture_output=True, check=True).stdout
    assert through_overlay == plain
    for g in gits.values():
        g.close()
    # end to end: every blamed frame equals `git blame -w` run plainly on the repository
    for n in (1, 5, 17, 29):
        add_event(warehouse, f"e{n}", [frame("app/core.py", n + 1, _line(n, 11))], release="v1.0.0")
    attribute(warehouse, config_for(cfg))
    got = dict(warehouse.execute("SELECT event_id, commit_sha FROM frame_attribution WHERE is_crash_site").fetchall())
    assert len(got) == 4
    for n in (1, 5, 17, 29):
        assert got[f"e{n}"] == git_blame_line(repo.path, shas[-1], "app/core.py", n + 1)


def test_the_benchmarks_git_floor_runs_the_very_blames_attribution_ran(tmp_path, warehouse):
    """`make bench` reports frame attribution against this floor: it must ask git what Hindsight asked."""
    repo, _shas = _history(tmp_path)
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    for n in (1, 2, 5, 17, 29):
        add_event(warehouse, f"e{n}", [frame("app/core.py", n + 1, _line(n, 11))], release="v1.0.0")
    add_event(warehouse, "other", [frame("app/other_3.py", 1, "x = 1")], release="v1.0.0")
    attribute(warehouse, config_for(cfg))
    floor = git_floor(warehouse, repo.path, commit_graph.usable_overlay(warehouse, cfg), workers=2, name=cfg.name)
    files, lines = warehouse.execute(
        "SELECT count(DISTINCT (revision, path)), count(*) FROM core.blame_lines WHERE repo = ?", [cfg.name]
    ).fetchone()
    assert (floor["files"], floor["lines"]) == (files, lines) == (2, 6)
    assert floor["seconds"] > 0


def test_without_a_warehouse_file_or_when_the_write_fails_ingest_goes_on_without_a_graph(tmp_path, warehouse):
    repo, _ = _history(tmp_path)
    cfg = repo_config(repo.path)
    memory = duckdb.connect()
    ensure_schema(memory)
    assert ingest_repository(memory, cfg)["commit_graph"] == "no_warehouse_file"
    assert open_repositories(memory, config_for(cfg))[cfg.name].overlay is None
    # the graph's folder cannot be made (a file is in the way): recorded, not fatal; blames run plainly
    (tmp_path / "warehouse.git-cache").write_text("in the way")
    counts = ingest_repository(warehouse, cfg)
    assert counts["commit_graph"] == "failed"
    assert counts["commits_new"] > 0
    assert open_repositories(warehouse, config_for(cfg))[cfg.name].overlay is None


def test_a_repository_with_its_own_alternates_is_read_whole_through_the_overlay(tmp_path, warehouse):
    """A clone that borrows objects (`git clone --shared`): git follows the repository's own alternates
    from the overlay, so every object is still found."""
    origin, shas = _history(tmp_path)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--shared", str(origin.path), str(clone)], check=True,
                   env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1"})
    cfg = repo_config(clone)
    assert ingest_repository(warehouse, cfg)["commit_graph"] == "written"
    overlay = commit_graph.usable_overlay(warehouse, cfg)
    got = git.blame(clone, shas[-1], "app/core.py", [3, 4], overlay=overlay)
    assert [b.commit_sha for b in got[0]] == [git_blame_line(clone, shas[-1], "app/core.py", n) for n in (3, 4)]
