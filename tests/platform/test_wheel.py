"""A built wheel works on its own: every package and every data file the code reads is in it, and
installed (not editable) into a fresh virtualenv it runs `hindsight demo` and a query from a folder
outside the checkout.

The wheel is built from a copy of the checkout's files (what git tracks, plus new files it does not
ignore), so building leaves no `build/` behind in the repository.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
CODE = ("hindsight", "models", "demo", "pipelines", "dashboards", "benchmarks")
DATA_SUFFIXES = {".sql", ".md", ".toml", ".yaml", ".yml", ".json"}


def _checkout_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=PROJECT,
                         check=True, capture_output=True).stdout.decode()
    return [f for f in out.split("\0") if f and (PROJECT / f).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("checkout")
    for rel in _checkout_files():
        target = src / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((PROJECT / rel).read_bytes())
    out = tmp_path_factory.mktemp("wheelhouse")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--disable-pip-version-check",
                           str(src), "-w", str(out)], capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (built,) = out.glob("hindsight-*.whl")
    return built


def _expected_in_wheel() -> set[str]:
    """Every module of the code packages and every data file beside them; `sql/` lands in models/sql/."""
    expected = set()
    for rel in _checkout_files():
        path = Path(rel)
        if path.parts[0] in CODE and (path.suffix == ".py" or path.suffix in DATA_SUFFIXES):
            expected.add(rel)
        elif path.parts[0] == "sql":
            expected.add(str(Path("models", *path.parts)))
    return expected


def test_wheel_holds_every_module_and_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(_expected_in_wheel() - names)
    assert not missing, f"left out of the wheel (name the package or data folder in pyproject.toml): {missing}"
    assert "models/sql/views/10_sources.sql" in names and "models/failure_classes/classes/naive_datetime.yaml" in names
    assert not [n for n in names if n.startswith(("tests/", "data/", "sql/"))]


def _run(cmd: list[str], cwd: Path, env: dict, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.mark.slow
def test_installed_wheel_runs_the_demo_and_a_query_outside_the_checkout(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py, bin_dir = env_dir / "bin" / "python", env_dir / "bin"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HINDSIGHT_", "PYTHON", "VIRTUAL_ENV"))}
    env = {k: v for k, v in env.items() if k != "DAGSTER_HOME"}  # runs are recorded where an installed user's are
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", XDG_STATE_HOME=str(tmp_path / "state"))
    # the wheel, not editable, with the dependencies it declares at the locked versions (from pip's cache)
    proc = _run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-compile",
                 "-c", str(PROJECT / "requirements.lock"), str(wheel)], tmp_path, env)
    assert proc.returncode == 0, proc.stderr[-3000:]

    work = tmp_path / "elsewhere"  # not the checkout, nothing of it on sys.path
    work.mkdir()
    probe = ("import models, demo; from models.warehouse import SQL_DIR; from hindsight.commands.dashboard import APP; "
             "assert APP.is_file(); print(models.__file__, demo.__file__, SQL_DIR, APP)")
    where = _run([str(py), "-c", probe], work, env)
    assert where.returncode == 0, where.stderr[-2000:]
    site = str(env_dir)
    assert all(line.startswith(site) for line in where.stdout.split()), where.stdout
    assert str(PROJECT) not in where.stdout

    demo = _run([str(bin_dir / "hindsight"), "demo", "--out", "world"], work, env)
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-3000:]
    assert "pipeline failed" not in demo.stderr
    assert (tmp_path / "state" / "hindsight" / "dagster_home" / "dagster.yaml").is_file(), "runs go to the state folder"
    assert not list(env_dir.rglob("dagster_home")), "nothing is written into site-packages"
    config = work / "world" / "hindsight.toml"
    query = _run([str(bin_dir / "hindsight"), "--config", str(config), "sql", "--format", "csv",
                  "SELECT count(*) AS n FROM events"], work, env)
    assert query.returncode == 0, query.stderr[-2000:]
    assert int(query.stdout.split()[-1]) > 0
    saved = _run([str(bin_dir / "hindsight"), "--config", str(config), "sql", "--saved", "top_clusters_last_7_days"],
                 work, env)
    assert saved.returncode == 0, saved.stderr[-2000:]
    packs = list(work.rglob("hindsight-semgrep.yaml"))
    assert packs, "the pipeline released no rule pack (catalog rules are package data)"
