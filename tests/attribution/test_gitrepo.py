"""`GitRepo` reads trees and files as objects, cached by id: it must answer exactly what git answers
(`git ls-tree -r`, `git cat-file --batch-check`, `git cat-file -p`), read a subtree many revisions
share once, and degrade on a damaged clone the way git does."""

from __future__ import annotations

import subprocess

import pytest

from models.attribution import attribute
from models.attribution.gitrepo import GitError, GitRepo
from models.history import ingest_repository

from .helpers import GitRepoBuilder, add_event, config_for, frame, git_blame_line, repo_config


def _git(repo, *args: str, input: str | None = None) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], input=input and input.encode(), capture_output=True,
                          check=False).stdout


def _ls_tree(repo, rev: str) -> frozenset[str]:
    out = _git(repo, "ls-tree", "-r", "-z", "--name-only", rev).decode("utf-8", "surrogateescape")
    return frozenset(p for p in out.split("\0") if p)


def _batch_check(repo, rev: str, paths: list[str]) -> list[str | None]:
    out = _git(repo, "cat-file", "--batch-check=%(objectname) %(objecttype)", input="".join(f"{rev}:{p}\n" for p in paths))
    answers = []
    for line in out.decode().splitlines():
        parts = line.split()
        answers.append(parts[0] if len(parts) == 2 and parts[1] == "blob" else None)
    return answers


def _deep_commit(repo, depth: int, parent: str) -> str:
    """A commit whose only file sits `depth` folders down (written with git plumbing: no file system
    allows such a path to be checked out)."""
    def git(*args: str, input: str | None = None) -> str:
        return subprocess.run(["git", "-C", str(repo), *args], input=input, capture_output=True, text=True,
                              check=True).stdout.strip()

    blob = git("hash-object", "-w", "--stdin", input="DEEP = 1\n")
    tree = git("mktree", input=f"100644 blob {blob}\tdeep.py\n")
    for _ in range(depth):
        tree = git("mktree", input=f"040000 tree {tree}\td\n")
    return git("commit-tree", tree, "-p", parent, "-m", "a deep tree")


def _folder_tree(repo, rev: str, folder: str) -> str:
    return _git(repo, "rev-parse", f"{rev}:{folder}").decode().strip()


@pytest.mark.parametrize("bounded", [False, True], ids=["cached", "evicting"])
def test_trees_files_and_file_signatures_equal_what_git_answers(tmp_path, monkeypatch, bounded):
    from models.attribution import gitrepo

    if bounded:  # caches far smaller than the repository: listings evicted and rebuilt all the time
        monkeypatch.setattr(gitrepo, "MAX_CACHED_TREES", 1)
        monkeypatch.setattr(gitrepo, "MAX_LISTED_PATHS", 3)
        monkeypatch.setattr(gitrepo, "MAX_CACHED_TREE_OBJECTS", 2)
    repo = GitRepoBuilder(tmp_path / "svc")
    shas = [repo.commit({"app/core.py": "def core():\n    return 1\n", "app/deep/er/x.py": "X = 1\n",
                         "a b/c d.py": "spaced = True\n", "ünï/cödé.py": "name = 'ü'\n", "top.py": "T = 0\n"}, "base")]
    (repo.path / "run.sh").write_text("#!/bin/sh\necho run\n")
    (repo.path / "run.sh").chmod(0o755)
    (repo.path / "link.py").symlink_to("app/core.py")
    repo.git("add", "run.sh", "link.py")
    sub = shas[0]  # a submodule entry (a gitlink) pointing at some commit: listed, but no file of this repository
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{sub},vendor/lib")
    shas.append(repo.commit({"app/core.py": "def core():\n    return 2\n"}, "exec, link, submodule"))
    shas.append(repo.commit({"app/deep/er/x.py": None, "app/deep/y.py": "Y = 2\n"}, "move a file up"))
    shas.append(repo.commit({"top.py": None, "app/core.py": "def core():\n    return 3\n\n\n"}, "trailing lines"))
    shas.append(_deep_commit(repo.path, 1100, shas[-1]))  # deeper than Python's recursion limit
    deep = "d/" * 1100 + "deep.py"
    git = GitRepo(repo.path)
    try:
        every = set().union(*(_ls_tree(repo.path, s) for s in shas))
        odd = ["app", "app/", "app/deep", "vendor/lib", "nope.py", "app/nope/x.py", "app//core.py", "/app/core.py",
               "app/./core.py", "app/../top.py", "top.py/"]
        for sha in shas:
            assert git.tree(sha) == _ls_tree(repo.path, sha)
            asked = sorted(every) + odd
            assert git.file_signatures([sha], asked) == [tuple(_batch_check(repo.path, sha, asked))]
            for path in sorted(every):
                text = _git(repo.path, "cat-file", "-p", f"{sha}:{path}") if path in _ls_tree(repo.path, sha) else None
                want = None if text is None or path == "vendor/lib" else text.decode("utf-8", "replace").split("\n")
                if want and want[-1] == "":
                    want.pop()
                assert git.file_lines(sha, path) == want, (sha, path)
        assert "vendor/lib" in git.tree(shas[1]) and git.file_lines(shas[1], "vendor/lib") is None
        assert deep in git.tree(shas[-1]) and git.file_lines(shas[-1], deep) == ["DEEP = 1"]
        assert git.file_signatures(shas + ["0" * 40], asked) == [  # many commits at once, sharing subtrees
            *(tuple(_batch_check(repo.path, sha, asked)) for sha in shas), (None,) * len(asked)  # an unknown commit
        ]  # fmt: skip
    finally:
        git.close()


def test_a_folder_many_revisions_share_is_read_once(tmp_path, monkeypatch):
    from models.attribution import gitrepo

    monkeypatch.setattr(gitrepo, "MAX_CACHED_TREES", 2)  # whole listings kept: bounded, subtrees still shared
    repo = GitRepoBuilder(tmp_path / "svc")
    shas = [repo.commit({f"lib/m{i}.py": f"M = {i}\n" for i in range(3)} | {"app/x.py": "x = 0\n"}, "base")]
    shas += [repo.commit({"app/x.py": f"x = {n}\n"}, f"x {n}") for n in range(1, 6)]
    git = GitRepo(repo.path)
    reads: list[str] = []
    real_read = git._batch.read

    def counted(spec: str):
        reads.append(spec)
        return real_read(spec)

    git._batch.read = counted
    try:
        for sha in shas:
            assert git.tree(sha) == _ls_tree(repo.path, sha)
            assert git.file_lines(sha, "lib/m1.py") == ["M = 1"]
        lib = _folder_tree(repo.path, shas[0], "lib")
        assert {_folder_tree(repo.path, s, "lib") for s in shas} == {lib}
        assert reads.count(lib) == 1  # the shared folder: once, not once per revision
        blob = _git(repo.path, "rev-parse", f"{shas[0]}:lib/m1.py").decode().strip()
        assert reads.count(blob) == 1  # the unchanged file: once
        # Per revision its commit, its root tree and its app/ folder: nothing else is read again.
        assert len(reads) == 3 * len(shas) + 1 + 1
        assert len(git._trees) == 2
        assert git.tree(shas[0]) == _ls_tree(repo.path, shas[0])  # listed again from the cached trees
        assert len(reads) == 3 * len(shas) + 1 + 1
    finally:
        git.close()


def test_a_folder_missing_from_the_object_store_fails_that_revision_like_git(tmp_path, warehouse):
    repo = GitRepoBuilder(tmp_path / "svc")
    repo.commit({"app/core.py": "def core(x):\n    return x + 1\n", "lib/util.py": "def util(y):\n    return y\n"}, "base")
    repo.tag("v1.0.0")
    fixed = repo.commit({"app/core.py": "def core(x):\n    return x + 2\n"}, "core: +2")
    repo.tag("v1.1.0")
    tree = _folder_tree(repo.path, "v1.1.0", "app")  # app/ as it is at v1.1.0 only
    (repo.path / ".git" / "objects" / tree[:2] / tree[2:]).unlink()
    assert _git(repo.path, "ls-tree", "-r", "v1.1.0") == b""  # git cannot list that revision either
    git = GitRepo(repo.path)
    try:
        with pytest.raises(GitError):
            git.tree(fixed)
        assert git.file_signatures([fixed], ["app/core.py", "lib/util.py"]) == [
            tuple(_batch_check(repo.path, fixed, ["app/core.py", "lib/util.py"]))
        ]
        assert git.file_lines(fixed, "app/core.py") is None
    finally:
        git.close()
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    add_event(warehouse, "new", [frame("core.py", 2, "return x + 2")], release="v1.1.0")
    add_event(warehouse, "old", [frame("core.py", 2, "return x + 1")], release="v1.0.0")
    attribute(warehouse, config_for(cfg))
    got = dict(warehouse.execute(
        "SELECT event_id, coalesce(reason, status) FROM core.frame_resolutions ORDER BY event_id"
    ).fetchall())
    assert got == {"new": "missing_object", "old": "resolved"}


def _git_runs(monkeypatch) -> list[list[str]]:
    """The argument lists of the git commands run from now on (each still run for real)."""
    import models.git as edge

    runs: list[list[str]] = []
    real_run = edge.run

    def counted(path, args, **kw):
        runs.append(list(args))
        return real_run(path, args, **kw)

    monkeypatch.setattr(edge, "run", counted)
    return runs


def test_lines_blamed_before_in_the_run_are_answered_from_that_blame(tmp_path, monkeypatch):
    repo = GitRepoBuilder(tmp_path / "svc")
    repo.commit({"app/core.py": "".join(f"v{n} = {n}\n" for n in range(1, 7))}, "base")
    repo.commit({"app/core.py": "v1 = 1\nv2 = 20\nv3 = 3\nv4 = 40\nv5 = 5\nv6 = 6\n"}, "two and four")
    head = repo.commit({"app/core.py": "v1 = 1\nv2 = 20\nv3 = 3\nv4 = 40\nv5 = 50\nv6 = 6\n"}, "five")
    runs = _git_runs(monkeypatch)
    git = GitRepo(repo.path)
    try:
        git.blame(head, "app/core.py", [1, 2, 4, 5])
        lines, commits = git.blame(head, "app/core.py", [2, 5])
        assert sum(a[0] == "blame" for a in runs) == 1  # the second answer came from the first blame
        assert {b.line: b.commit_sha for b in lines} == {n: git_blame_line(repo.path, head, "app/core.py", n) for n in (2, 5)}
        assert set(commits) == {b.commit_sha for b in lines}
        assert [b.line for b in git.blame(head, "app/core.py", [3, 5])[0]] == [3, 5]
        assert sum(a[0] == "blame" for a in runs) == 2  # line 3 was not blamed before: git blames again
    finally:
        git.close()


def test_revisions_whose_file_was_last_changed_by_the_same_commit_share_one_blame(tmp_path, warehouse, monkeypatch):
    repo = GitRepoBuilder(tmp_path / "svc")
    core = "def core(x):\n    y = x\n    return y + {}\n"
    repo.commit({"app/core.py": core.format(1), "app/other.py": "A = 0\n"}, "base")
    fix = repo.commit({"app/core.py": core.format(2)}, "core: +2")
    v1 = repo.commit({"app/other.py": "A = 1\n"}, "other 1")
    repo.git("checkout", "-q", "-b", "side")
    side = repo.commit({"app/core.py": core.format(2).replace("y = x", "y = x * 1")}, "side: core")
    repo.git("checkout", "-q", "main")
    v2 = repo.commit({"app/other.py": "A = 2\n"}, "other 2")
    repo.git("merge", "-q", "--no-ff", "-m", "merge side", "side")  # core.py as the side branch has it
    v3 = repo.commit({"app/other.py": "A = 3\n"}, "other 3")
    repo.commit({"app/core.py": core.format(3)}, "core: +3")
    back = repo.commit({"app/core.py": core.format(2).replace("y = x", "y = x * 1")}, "core: back")  # v3's text
    v4 = repo.commit({"app/other.py": "A = 4\n"}, "other 4")
    for n, sha in enumerate((v1, v2, v3, v4), 1):
        repo.tag(f"v{n}.0.0", sha)
    git = GitRepo(repo.path)
    try:  # the walk git blame makes: through commits that keep the file, into the merge's second parent
        assert [git.blame_origin(v, "app/core.py") for v in (v1, v2, v3, v4)] == [fix, fix, side, back]
    finally:
        git.close()

    runs = _git_runs(monkeypatch)
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    for n in range(1, 5):
        for line, text in ((2, "y = x" if n < 3 else "y = x * 1"), (3, "return y + 2")):
            add_event(warehouse, f"e{n}-{line}", [frame("core.py", line, text)], release=f"v{n}.0.0")
    runs.clear()
    result = attribute(warehouse, config_for(cfg))
    assert result["outcomes"] == {"resolved": 8}
    assert sum(a[0] == "blame" for a in runs) == 3  # four revisions, three blame origins
    rows = warehouse.execute("SELECT revision, repo_path, line, commit_sha FROM frame_attribution").fetchall()
    assert len(rows) == 8 and {r[0] for r in rows} == {v1, v2, v3, v4}
    for rev, path, line, sha in rows:  # each equals git's own blame at the event's revision
        assert sha == git_blame_line(repo.path, rev, path, line), (rev, path, line)
    assert {sha for rev, *_, sha in rows if rev == v4} == {back}  # the revert, not the side commit

    from models.attribution import gitrepo

    monkeypatch.setattr(gitrepo, "MAX_ORIGIN_STEPS", 1)  # a walk cut short (at the merge): blamed where it stopped, the same
    git = GitRepo(repo.path)
    try:
        stopped = git.blame_origin(v3, "app/core.py")
        assert stopped not in (v3, side)
        blamed, _ = git.blame(v3, "app/core.py", [2, 3], at=stopped)
        assert {b.line: b.commit_sha for b in blamed} == {n: git_blame_line(repo.path, v3, "app/core.py", n) for n in (2, 3)}
    finally:
        git.close()
