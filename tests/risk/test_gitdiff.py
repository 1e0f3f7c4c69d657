"""The git edge: hunks with their Python function, renames, quoted paths, and missing blobs tolerated."""

from __future__ import annotations

from attribution.helpers import GitRepoBuilder

from models.risk.gitdiff import blame_lines, diff_hunks, diff_numstat, stream_hunks

CODE = "import os\n\n\nclass Shop:\n    def total(self, items):\n        s = 0\n        for i in items:\n            s += i\n        return s\n\n\ndef helper():\n    return 1\n"


def test_hunks_name_the_function_and_follow_renames(tmp_path):
    repo = GitRepoBuilder(tmp_path / "r")
    first = repo.commit({"shop.py": CODE, "notes.txt": "a\n"}, "init")
    changed = CODE.replace("        return s\n", "        return s * 2\n").replace("    return 1\n", "    return 2\n")
    second = repo.commit({"shop.py": changed}, "change two functions")
    repo.git("mv", "shop.py", "store.py")
    third = repo.commit({"store.py": changed + "\n\ndef extra():\n    return 3\n"}, "rename and add")
    diffs = {d.sha: d for d in stream_hunks(repo.path, [first, second, third])}
    assert set(diffs) == {first, second, third}
    assert {(h.path, h.old_start, h.old_lines, h.new_start, h.new_lines) for h in diffs[first].hunks} == {
        ("shop.py", 0, 0, 1, 13), ("notes.txt", 0, 0, 1, 1)}
    by_line = {h.new_start: h for h in diffs[second].hunks}
    assert by_line[9].function == "total" and by_line[9].old_lines == 1 and by_line[9].new_lines == 1
    assert by_line[13].function == "helper"
    (renamed,) = diffs[third].hunks
    assert renamed.path == "store.py" and renamed.old_path == "shop.py" and renamed.new_lines == 4


def test_whitespace_only_edits_are_no_change(tmp_path):
    repo = GitRepoBuilder(tmp_path / "r")
    a = repo.commit({"m.py": "def f():\n    return 1\n"}, "init")
    b = repo.commit({"m.py": "def f():\n        return 1\n"}, "reindent")
    assert [len(d.hunks) for d in stream_hunks(repo.path, [a, b])] == [1, 0]


def test_quoted_and_unicode_paths(tmp_path):
    repo = GitRepoBuilder(tmp_path / "r")
    sha = repo.commit({'we"ird\tname.py': "x = 1\n", "café/ü.py": "y = 2\n"}, "odd names")
    (diff,) = stream_hunks(repo.path, [sha])
    assert {h.path for h in diff.hunks} == {'we"ird\tname.py', "café/ü.py"}


def test_a_missing_blob_loses_only_that_file(tmp_path):
    """As in a partial clone: the stream stops at the unreadable blob, the commit is re-read per file."""
    repo = GitRepoBuilder(tmp_path / "r")
    a = repo.commit({"keep.py": "a = 1\n"}, "one")
    b = repo.commit({"big.bin.py": "secret = 1\n", "other.py": "b = 2\n"}, "two")
    c = repo.commit({"keep.py": "a = 3\n"}, "three")
    blob = repo.git("rev-parse", f"{b}:big.bin.py")
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    diffs = {d.sha: d for d in stream_hunks(repo.path, [a, b, c])}
    assert set(diffs) == {a, b, c}
    assert diffs[b].unreadable == ["big.bin.py"]
    assert [h.path for h in diffs[b].hunks] == ["other.py"]
    assert len(diffs[c].hunks) == 1 and diffs[c].unreadable == []


def test_change_set_diff_and_numstat(tmp_path):
    repo = GitRepoBuilder(tmp_path / "r")
    base = repo.commit({"a.py": "x = 1\n"}, "base")
    repo.commit({"a.py": "x = 1\ny = 2\n", "b.py": "z = 3\n"}, "one")
    head = repo.commit({"a.py": "x = 10\ny = 2\n"}, "two")
    stats = {p: (a, d) for p, _, a, d in diff_numstat(repo.path, base, head)}
    assert stats == {"a.py": (2, 1), "b.py": (1, 0)}
    hunks = diff_hunks(repo.path, base, head, "set").hunks
    assert sum(h.new_lines for h in hunks) == 3


def test_blame_lines_honours_ignore_revs(tmp_path):
    repo = GitRepoBuilder(tmp_path / "r")
    a = repo.commit({"m.py": "x = 1\ny = 2\n"}, "init")
    b = repo.commit({"m.py": "x = 1\ny = 3\n"}, "change y")
    fmt = repo.commit({"m.py": "x = 1\ny = 4\n"}, "reformat")
    repo.commit({".git-blame-ignore-revs": fmt + "\n"}, "ignore reformat")
    head = repo.git("rev-parse", "HEAD")
    owners = blame_lines(repo.path, head, "m.py", [1, 2])
    assert owners[1][0] == a and owners[2][0] == b
