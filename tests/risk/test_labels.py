"""SZZ labels from fix commits: the commit that wrote the fixed line is blamed; noise filters hold."""

from __future__ import annotations

from attribution.helpers import GitRepoBuilder

from models.config import RepositoryConfig
from models.history import ingest_repository
from models.risk.hunks import read_new_hunks
from models.risk.labels import FIX_PATTERN, is_source_file, labels, run_szz


def _ingest(con, repo):
    ingest_repository(con, RepositoryConfig(name="r", path=repo.path))
    read_new_hunks(con, "r", repo.path)


def test_szz_blames_the_writer_of_the_fixed_line(tmp_path, warehouse):
    repo = GitRepoBuilder(tmp_path / "r")
    base = repo.commit({"app.py": "def price(x):\n    return x\n"}, "init")
    bug = repo.commit({"app.py": "def price(x):\n    # cheap\n    return x * 0.9\n"}, "feat: discount")
    repo.commit({"tests/test_app.py": "def test():\n    assert 1\n"}, "test: price")
    fix = repo.commit({"app.py": "def price(x):\n    # cheap\n    return round(x * 0.9, 2)\n",
                       "tests/test_app.py": "def test():\n    assert 2\n"}, "Fix rounding of discounted prices (#12)")
    _ingest(warehouse, repo)
    assert run_szz(warehouse, "r", repo.path) == {"blamed": 1}
    found = labels(warehouse, "r")
    assert found["sha"].to_list() == [bug] and found["source"].to_list() == ["szz_fix"]
    known = found["known_at"][0]
    assert str(known).startswith("2026-01-04")  # the fix's commit time, not the bug's
    rows = warehouse.sql("SELECT fix_sha, inducing_sha, path, lines FROM core.risk_szz_links").fetchall()
    assert rows == [(fix, bug, "app.py", 1)]  # the test file's change is not a defect; base is not blamed
    assert base not in found["sha"].to_list()
    # incremental: nothing new to process, nothing written twice
    assert run_szz(warehouse, "r", repo.path) == {}
    assert warehouse.sql("SELECT count(*) FROM core.risk_szz_links").fetchall() == [(1,)]


def test_added_only_and_comment_only_fixes_blame_nothing(tmp_path, warehouse):
    repo = GitRepoBuilder(tmp_path / "r")
    repo.commit({"app.py": "def f():\n    # old note\n    return 1\n"}, "init")
    repo.commit({"app.py": "def f():\n    # old note\n    return 1\n\n\ndef g():\n    return 2\n"}, "fix: add g")
    repo.commit({"app.py": "def f():\n    # new note\n    return 1\n\n\ndef g():\n    return 2\n"}, "fix typo in comment")
    repo.commit({"README.md": "fixed docs\n"}, "docs: fixed wording")
    _ingest(warehouse, repo)
    assert run_szz(warehouse, "r", repo.path) == {"no_lines": 3}
    assert labels(warehouse, "r").height == 0


def test_fix_pattern_and_source_filter():
    import re

    rx = re.compile(FIX_PATTERN)
    assert all(rx.search(m) for m in ("Fix crash", "fixes #12", "bugfix: x", "Hotfix", "patched the parser"))
    assert not any(rx.search(m) for m in ("prefix handling", "debugging aid", "monkeypatch helper", "Add feature"))
    assert is_source_file("src/requests/models.py") and is_source_file("lib/a.js")
    assert not any(is_source_file(p) for p in ("tests/test_x.py", "src/x_test.go", "docs/x.md", "conftest.py",
                                               "pkg/tests/util.py", "HISTORY.rst"))
