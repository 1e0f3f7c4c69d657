"""Every CLI error path: the real `hindsight` console script in a subprocess says what to fix in one
or two lines on stderr, exits with the code of the failure's kind (README "Exit codes"), and prints no
traceback unless --debug is given."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hindsight.errors import ExitCode

ROOT = Path(__file__).resolve().parents[2]
HINDSIGHT = Path(sys.executable).with_name("hindsight")
EVENT = {"event_id": "b" * 32, "timestamp": 1732428000, "exception": {"values": [{"type": "E", "value": "x"}]}}


def hs(*args, cwd: Path, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HINDSIGHT_", "SENTRY_"))}
    return subprocess.run([str(HINDSIGHT), *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          env={**base, **(env or {})}, timeout=timeout, check=False)


def git(path: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "HOME": str(path),
           "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.com", "GIT_COMMITTER_NAME": "A",
           "GIT_COMMITTER_EMAIL": "a@example.com"}
    subprocess.run(["git", "-C", str(path), *args], check=True, capture_output=True, env=env)


def make_repo(path: Path, branch: str = "main") -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", branch)
    (path / "app.py").write_text("print('hi')\n")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "init")
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict:
    """Files the error cases point at: a repository, configurations, an event file, a filled warehouse."""
    d = tmp_path_factory.mktemp("cli")
    repo = make_repo(d / "repo")
    other = make_repo(d / "other")
    (d / "events.ndjson").write_text(json.dumps(EVENT) + "\n")
    (d / "one.toml").write_text(f'[[repositories]]\nname = "shop"\npath = "{repo}"\n')
    (d / "two.toml").write_text(f'[[repositories]]\nname = "shop"\npath = "{repo}"\n\n'
                                f'[[repositories]]\nname = "other"\npath = "{other}"\n')
    (d / "empty.toml").write_text("")
    (d / "broken.toml").write_text("[warehouse\npath = 1\n")
    (d / "wrong_type.toml").write_text('[[repositories]]\nname = "shop"\npath = 42\n')
    (d / "not_repo.toml").write_text(f'[[repositories]]\nname = "shop"\npath = "{d}"\n')
    (d / "no_branch.toml").write_text(f'[[repositories]]\nname = "shop"\npath = "{repo}"\ndefault_branch = "trunk"\n')
    (d / "no_markers.toml").write_text(f'[ai]\nmarker_files = ["missing-markers.toml"]\n\n'
                                       f'[[repositories]]\nname = "shop"\npath = "{repo}"\n')
    (d / "mixed").mkdir()
    (d / "mixed" / "a.ndjson").write_text(json.dumps(EVENT) + "\n")
    (d / "mixed" / "b.log").write_text("2026-01-01 12:00:00 INFO x: hello\n")
    (d / "not_duckdb.txt").write_text("hello")
    (d / "nonempty").mkdir()
    (d / "nonempty" / "keep.txt").write_text("x")
    filled = d / "filled.duckdb"
    assert hs("ingest", d / "events.ndjson", "--warehouse", filled, cwd=d).returncode == 0
    return {"dir": d, "repo": repo, "filled": filled}


# (id, arguments, expected exit code, text the message must contain); {d} is the world folder
CASES = [
    # usage: the command line is wrong
    ("unknown-command", ["nosuch"], ExitCode.USAGE, "No such command 'nosuch'"),
    ("unknown-option", ["ingest", "--nope", "x"], ExitCode.USAGE, "No such option: --nope"),
    ("missing-argument", ["ingest"], ExitCode.USAGE, "Missing argument"),
    ("bad-source", ["ingest", "--source", "kafka", "{d}/events.ndjson"], ExitCode.USAGE, "--source"),
    ("bad-format", ["ingest", "--source", "sentry", "--format", "xml", "{d}/events.ndjson"], ExitCode.USAGE,
     "'xml' is not a format for --source sentry"),
    ("bad-line-format", ["ingest", "--line-format", "<Date> <Date>", "{d}/mixed/b.log"], ExitCode.USAGE,
     "repeats a field name"),
    ("sql-bad-format", ["sql", "--format", "xml", "SELECT 1"], ExitCode.USAGE, "--format must be one of"),
    ("sql-unknown-saved", ["sql", "--saved", "nope", "--warehouse", "{d}/filled.duckdb"], ExitCode.USAGE,
     "no saved analysis 'nope'"),
    ("unknown-repo", ["--config", "{d}/one.toml", "commits", "--repo", "nope"], ExitCode.USAGE,
     "no repository named 'nope'"),
    ("ambiguous-repo", ["--config", "{d}/two.toml", "classify-commit", "HEAD"], ExitCode.USAGE, "--repo"),
    ("into-repo-not-dir", ["export", "guidance", "--into-repo", "{d}/nowhere"], ExitCode.USAGE, "not a directory"),
    ("demo-out-taken", ["demo", "--no-run", "--out", "{d}/nonempty"], ExitCode.USAGE, "--out"),
    # input: a file, folder, warehouse or query is missing or unusable
    ("ingest-missing-path", ["ingest", "{d}/nope.json", "--warehouse", "{d}/w1.duckdb"], ExitCode.INPUT,
     "no such file or folder: {d}/nope.json"),
    ("sql-no-warehouse", ["sql", "SELECT 1", "--warehouse", "{d}/none.duckdb"], ExitCode.INPUT,
     "no warehouse at {d}/none.duckdb"),
    ("sql-refused-write", ["sql", "DELETE FROM core.events", "--warehouse", "{d}/filled.duckdb"], ExitCode.INPUT,
     "refused"),
    ("sql-bad-query", ["sql", "SELEC 1", "--warehouse", "{d}/filled.duckdb"], ExitCode.INPUT, "query failed"),
    ("sql-file-access", ["sql", "SELECT * FROM read_csv('/etc/passwd')", "--warehouse", "{d}/filled.duckdb"],
     ExitCode.INPUT, "query failed"),
    ("warehouse-not-duckdb", ["ingest", "{d}/events.ndjson", "--warehouse", "{d}/not_duckdb.txt"], ExitCode.INPUT,
     "not a valid DuckDB database"),
    ("templates-missing-file", ["templates", "{d}/nope.log", "--out", "{d}/t.csv"], ExitCode.INPUT,
     "no such file: {d}/nope.log"),
    ("export-no-warehouse", ["export", "rules", "--warehouse", "{d}/none.duckdb"], ExitCode.INPUT, "no warehouse at"),
    ("export-nothing-seen", ["export", "rules", "--warehouse", "{d}/filled.duckdb", "--config", "{d}/empty.toml"],
     ExitCode.INPUT, "nothing to export"),
    ("classify-unknown-rev", ["--config", "{d}/one.toml", "classify-commit", "no-such-rev"], ExitCode.INPUT,
     "no commit 'no-such-rev'"),
    # configuration: hindsight.toml or a setting in it
    ("config-missing", ["--config", "/missing.toml", "commits"], ExitCode.CONFIG,
     "configuration file not found: /missing.toml"),
    ("config-missing-after", ["commits", "--config", "/missing.toml"], ExitCode.CONFIG,
     "configuration file not found: /missing.toml"),
    ("config-not-toml", ["--config", "{d}/broken.toml", "commits"], ExitCode.CONFIG, "broken.toml: not valid TOML"),
    ("config-wrong-type", ["--config", "{d}/wrong_type.toml", "commits"], ExitCode.CONFIG,
     "[[repositories]] 'shop' path must be a non-empty string"),
    ("no-repositories", ["--config", "{d}/empty.toml", "commits", "--warehouse", "{d}/w2.duckdb"], ExitCode.CONFIG,
     "no repositories configured"),
    ("attribute-no-repositories", ["--config", "{d}/empty.toml", "attribute", "--warehouse", "{d}/w3.duckdb"],
     ExitCode.CONFIG, "no repositories configured"),
    ("not-a-repository", ["--config", "{d}/not_repo.toml", "commits", "--warehouse", "{d}/w4.duckdb"],
     ExitCode.CONFIG, "not a git repository"),
    ("branch-not-found", ["--config", "{d}/no_branch.toml", "commits", "--warehouse", "{d}/w5.duckdb"],
     ExitCode.CONFIG, "default branch 'trunk' not found"),
    ("marker-file-missing", ["--config", "{d}/no_markers.toml", "commits", "--warehouse", "{d}/w6.duckdb"],
     ExitCode.CONFIG, "marker file not found"),
]


@pytest.mark.parametrize(("args", "code", "needle"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_path_says_what_to_fix(world, args, code, needle):
    d = world["dir"]
    result = hs(*[a.replace("{d}", str(d)) for a in args], cwd=d)
    needle = needle.replace("{d}", str(d))
    assert result.returncode == code, result.stderr
    assert needle in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 2 and lines[0].startswith("error: "), result.stderr
    if len(lines) == 2:
        assert lines[1].startswith("hint: ")


def test_ingest_names_each_file_it_could_not_read(world):
    d = world["dir"]
    result = hs("ingest", d / "mixed", "--warehouse", d / "w7.duckdb", cwd=d)
    assert result.returncode == ExitCode.INPUT
    assert f"not ingested: {d / 'mixed' / 'b.log'}: plain-text logs need a line format" in result.stderr
    assert "error: 1 file(s) not ingested" in result.stderr and "hint: " in result.stderr
    assert "Traceback" not in result.stderr


def test_git_missing_is_a_tool_error(world):
    d = world["dir"]
    result = hs("--config", d / "one.toml", "commits", "--warehouse", d / "w8.duckdb", cwd=d,
                env={"PATH": str(d / "empty-bin")})
    assert result.returncode == ExitCode.TOOL, result.stderr
    assert "error: git is not installed" in result.stderr and "Traceback" not in result.stderr


def test_warehouse_held_by_another_process_is_a_tool_error(world):
    d = world["dir"]
    held = d / "held.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
         "time.sleep(60)"), str(held)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        started = time.monotonic()
        result = hs("ingest", d / "events.ndjson", "--warehouse", held, cwd=d, env={"HINDSIGHT_LOCK_TIMEOUT": "1"})
        assert time.monotonic() - started < 30
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == ExitCode.TOOL, result.stderr
    assert "in use by another process" in result.stderr and "Traceback" not in result.stderr


def test_internal_error_is_one_message_and_a_traceback_only_with_debug(world, monkeypatch, capsys):
    """A bug (any unexpected exception) says so, asks for --debug, exits 1; --debug shows the traceback."""
    from hindsight.cli import run
    from models.signatures import templates

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero in a planted bug")

    monkeypatch.setattr(templates, "mine_file", broken)
    log = world["dir"] / "mixed" / "b.log"
    out = world["dir"] / "t.csv"
    assert run(["templates", str(log), "--out", str(out)]) == ExitCode.INTERNAL
    err = capsys.readouterr().err
    assert "error: internal error: ZeroDivisionError: division by zero in a planted bug" in err
    assert "--debug" in err and "Traceback" not in err
    assert run(["templates", str(log), "--out", str(out), "--debug"]) == ExitCode.INTERNAL
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "ZeroDivisionError" in err


def test_interrupt_exits_130(world, monkeypatch, capsys):
    from hindsight.cli import run
    from models.signatures import templates

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(templates, "mine_file", interrupted)
    assert run(["templates", str(world["dir"] / "mixed" / "b.log"), "--out", str(world["dir"] / "t.csv")]) == 130
    assert "Traceback" not in capsys.readouterr().err


def test_debug_shows_the_traceback_of_a_known_error(world):
    result = hs("--debug", "--config", "/missing.toml", "commits", cwd=world["dir"])
    assert result.returncode == ExitCode.CONFIG
    assert "Traceback (most recent call last)" in result.stderr and "ConfigError" in result.stderr


def test_version(world):
    result = hs("--version", cwd=world["dir"])
    assert result.returncode == 0 and result.stdout.strip().startswith("hindsight ")
    assert hs("sql", "--version", cwd=world["dir"]).stdout == result.stdout  # after the command too


def test_global_options_before_or_after_the_command(world):
    d = world["dir"]
    after = hs("ingest", d / "events.ndjson", "--warehouse", d / "after.duckdb", cwd=d)
    assert after.returncode == 0, after.stderr
    assert (d / "after.duckdb").exists()
    for args in (["sql", "SELECT count(*) AS n FROM events", "-w", d / "after.duckdb", "--format", "csv"],
                 ["-w", d / "after.duckdb", "sql", "SELECT count(*) AS n FROM events", "--format", "csv"],
                 ["sql", "--warehouse=" + str(d / "after.duckdb"), "SELECT count(*) AS n FROM events", "-f", "csv"]):
        result = hs(*args, cwd=d)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["n", "1"]
    # an option after `--` is an argument, not a global option
    assert hs("ingest", "--", "--warehouse", cwd=d).returncode == ExitCode.INPUT


def test_default_branch_taken_from_head(tmp_path):
    """A repository whose branch is `master`, configured without default_branch, is ingested from its HEAD."""
    repo = make_repo(tmp_path / "legacy", branch="master")
    (tmp_path / "h.toml").write_text(f'[[repositories]]\nname = "legacy"\npath = "{repo}"\n')
    wh = tmp_path / "w.duckdb"
    result = hs("--config", tmp_path / "h.toml", "commits", "--warehouse", wh, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "legacy: full — 1 new commits" in result.stdout
    shown = hs("sql", "SELECT default_branch FROM core.repositories", "--format", "csv", "--warehouse", wh,
               cwd=tmp_path)
    assert shown.stdout.split() == ["default_branch", "master"]


def test_pipeline_step_failure_names_the_step_and_its_cause(world):
    """`hindsight run` with a repository path that is no repository: the step, the cause, exit 4."""
    d = world["dir"]
    result = hs("--config", d / "not_repo.toml", "run", "--select", "commits", "--warehouse", d / "w9.duckdb", cwd=d,
                env={"DAGSTER_HOME": ""})
    assert result.returncode == ExitCode.CONFIG, result.stderr
    assert "error: step commits failed: not a git repository" in result.stderr
    assert "hint: check path and default_branch of [[repositories]]" in result.stderr
    assert "Traceback" not in result.stderr and "Stack Trace" not in result.stderr
