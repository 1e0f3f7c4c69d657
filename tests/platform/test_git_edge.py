"""The git edge (`models/git.py`) on real repositories made in temp dirs: failures name the command and
git's stderr, a hung command is cut by its timeout, inherited GIT_DIR-like variables cannot redirect a
command, and streamed output can be read as git writes it and abandoned early."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from models import git
from models.errors import GitError

ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "A",
       "GIT_AUTHOR_EMAIL": "a@example.com", "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@example.com"}


def make_repo(path: Path, commits: int = 1) -> Path:
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=ENV)
    for i in range(commits):
        (path / "app.py").write_text(f"x = {i}\n")
        subprocess.run(["git", "-C", str(path), "add", "."], check=True, env=ENV)
        subprocess.run(["git", "-C", str(path), "commit", "-q", "-m", f"c{i}"], check=True, env=ENV)
    return path


def test_a_failure_names_the_command_the_repository_and_gits_first_stderr_line(tmp_path):
    repo = make_repo(tmp_path / "r")
    with pytest.raises(GitError) as err:
        git.run(repo, ["cat-file", "-p", "no-such-object"])
    message = str(err.value)
    assert message.startswith(f"git cat-file failed in {repo}: fatal: ")
    assert "\n" not in message
    # a `-c` setting does not hide which command failed
    with pytest.raises(GitError, match="^git log failed"):
        git.run(repo, ["log", "--end-of-options", "no-such-rev"], config=["core.quotepath=false"])
    assert git.run(repo, ["cat-file", "-p", "no-such-object"], check=False).returncode != 0


def test_a_hung_command_is_cut_by_its_timeout(tmp_path):
    repo = make_repo(tmp_path / "r")
    fifo = tmp_path / "config-fifo"
    os.mkfifo(fifo)  # opening it blocks until a writer comes, and none does
    started = time.monotonic()
    with pytest.raises(GitError, match="^git config timed out after 1 s"):
        git.run(repo, ["config", "--file", str(fifo), "--list"], timeout=1)
    assert time.monotonic() - started < 20


def test_a_timeout_also_stops_what_git_started(tmp_path):
    """A helper git started (here a shell alias's `sleep`) holds git's pipes open; the timeout kills
    git's whole process group, so the call still ends at once, and no helper outlives it."""
    repo = make_repo(tmp_path / "r")
    marker = f"{os.getpid()}{time.monotonic_ns()}"
    started = time.monotonic()
    with pytest.raises(GitError, match="^git hang timed out after 1 s"):
        git.run(repo, ["hang"], config=[f"alias.hang=!sleep 3{marker[-6:]}.5; true"], timeout=1)
    assert time.monotonic() - started < 10
    time.sleep(0.2)
    ps = subprocess.run(["ps", "-eo", "args"], check=False, capture_output=True, text=True).stdout
    assert f"sleep 3{marker[-6:]}.5" not in ps


def test_a_short_timeout_is_kept_while_a_long_command_runs(tmp_path):
    """The watchdog sleeps until the soonest deadline it knows and is woken only by a sooner one: a
    command with a short timeout, started while a long one waits, is still stopped on time."""
    repo = make_repo(tmp_path / "r")
    long_call = threading.Thread(
        target=lambda: git.run(repo, ["nap"], config=["alias.nap=!sleep 2"], timeout=600), daemon=True
    )
    long_call.start()
    time.sleep(0.3)  # the watchdog now sleeps towards the long command's deadline
    started = time.monotonic()
    with pytest.raises(GitError, match="^git hang timed out after 0.5 s"):
        git.run(repo, ["hang"], config=["alias.hang=!sleep 30"], timeout=0.5)
    assert time.monotonic() - started < 3
    long_call.join()


def test_inherited_git_dir_cannot_point_a_command_elsewhere(tmp_path, monkeypatch):
    ours = make_repo(tmp_path / "ours", commits=1)
    other = make_repo(tmp_path / "other", commits=3)
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    assert git.text(ours, ["rev-list", "--count", "HEAD"]).strip() == "1"


def test_streaming_reads_while_git_runs_and_may_stop_early(tmp_path):
    repo = make_repo(tmp_path / "r", commits=30)
    with git.streaming(repo, ["log", "--format=%H"]) as log:
        first = log.stdout.readline()
    assert len(first.strip()) == 40 and log.returncode is not None  # waited for, no process left behind
    with git.streaming(repo, ["log", "--stdin", "--format=%s"], input=b"HEAD\n") as log:
        subjects = b"".join(log.chunks(7)).decode().split()
    log.check()
    assert subjects[0] == "c29" and len(subjects) == 30
    with git.streaming(repo, ["log", "--end-of-options", "nope"]) as log:
        assert log.stdout.read() == b""
    with pytest.raises(GitError, match="^git log failed in .*: fatal: "):
        log.check()


def test_cat_file_reads_objects_one_at_a_time_and_in_one_batch(tmp_path):
    repo = make_repo(tmp_path / "r", commits=2)
    cat = git.CatFile(repo)
    try:
        assert cat.read("HEAD:app.py") == ("blob", b"x = 1\n")
        assert cat.read("HEAD~1:app.py") == ("blob", b"x = 0\n")
        assert cat.read("HEAD:missing.py") is None and cat.read("HEAD:a\nb") is None
    finally:
        cat.close()
    found = git.read_objects(repo, ["HEAD:app.py", "HEAD:missing.py", "HEAD~1:app.py"])
    assert found == {"HEAD:app.py": ("blob", b"x = 1\n"), "HEAD~1:app.py": ("blob", b"x = 0\n")}


def test_object_ids_answer_as_a_set_does_at_20_bytes_an_id(tmp_path):
    """The absent-object ids a partial clone's readers keep: exact membership (ids ending in NUL bytes,
    bucket edges, neighbours in one bucket), 20 bytes an id, SHA-256 width, and no mixing of widths."""
    import random

    repo = make_repo(tmp_path / "r", commits=3)
    listed = subprocess.run(["git", "-C", str(repo), "rev-list", "--objects", "--all"], capture_output=True,
                            check=True, env=ENV).stdout.split(b"\n")
    real = [line.split(b" ", 1)[0] for line in listed if line]
    rng = random.Random(5)
    made = [rng.randbytes(20) for _ in range(50_000)]
    edges = [b"\0" * 20, b"\xff" * 20, b"\x12\x34" + b"\0" * 18, b"\x12\x34" + b"\0" * 17 + b"\x01", b"a" * 19 + b"\0"]
    # two neighbours whose joint holds a third id at a byte offset that is no id's start
    first, second = b"\x12\x34" + b"\0" * 8 + b"\x12\x34" + b"\0" * 8, b"\x12\x34" + b"\0" * 7 + b"\x01" + b"\x05" * 10
    straddling = first[10:] + second[:10]
    kept = [bytes.fromhex(h.decode()) for h in real[1:]] + made[::2] + edges[::2] + [first, second]
    ids = git.ObjectIds.from_hex([k.hex().encode() for k in kept] + [real[1]])  # a repeat counts once
    probes = [bytes.fromhex(h.decode()) for h in real] + made + edges + [first, second, straddling]
    assert straddling not in kept and straddling not in ids
    expected = set(kept)
    assert [p in ids for p in probes] == [p in expected for p in probes]
    assert len(ids) == len(expected) and set(ids) == expected  # bytes, each once
    assert ids.nbytes <= 22 * len(ids) + 16  # the ids (20 bytes each), and where each bucket (about 8 ids) starts
    assert "ab" * 20 not in ids and b"\0" * 19 not in ids and len(git.ObjectIds()) == 0
    wide = git.ObjectIds.from_hex([b"ab" * 32])
    assert bytes.fromhex("ab" * 32) in wide and bytes.fromhex("ab" * 20) not in wide
    with pytest.raises(GitError, match="two widths"):
        git.ObjectIds.from_hex([b"ab" * 20, b"ab" * 32])


def test_blame_of_some_lines_honours_ignored_revisions(tmp_path):
    repo = make_repo(tmp_path / "r", commits=3)
    head = git.text(repo, ["rev-parse", "HEAD"]).strip()
    lines, commits = git.blame(repo, head, "app.py", [1])
    assert [b.commit_sha for b in lines] == [head] and commits[head].summary == "c2"
    with pytest.raises(GitError, match="full commit sha"):
        git.blame(repo, "HEAD", "app.py")
    assert git.line_ranges([5, 1, 2, 3, 7]) == ["-L", "1,3", "-L", "5,5", "-L", "7,7"]
    assert git.ignore_revs(f"# formatting\n{head}  # bulk\nnot-a-sha\n") == [head]
