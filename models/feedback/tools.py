"""Running semgrep and ruff as subprocesses (argument lists, never a shell), offline; git through the
git edge (`models.git`).

semgrep stalls ~97 s on a DNS lookup unless its version check and metrics are off (ANCHORS §7), so
every call goes through `semgrep_cmd`. Each semgrep start costs ~1-2 s: callers batch whole packs
and whole directory trees into one call.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from models import git as edge
from models.errors import ToolError

__all__ = ["Finding", "ToolError", "git", "git_archive", "git_show", "ruff_check", "safe_revision", "semgrep_scan"]

OFFLINE_ENV = {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}


def _tool(name: str) -> str:
    """The executable next to the running interpreter (the venv), else from PATH."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if not found:
        raise ToolError(f"{name} is not installed (expected in {local.parent} or on PATH)")
    return found


def _env() -> dict:
    return {**os.environ, **OFFLINE_ENV}


def semgrep_cmd(*args: str) -> list[str]:
    return [_tool("semgrep"), "scan", "--metrics=off", "--disable-version-check", *args]


def run(cmd: list[str], *, cwd: str | Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout, check=False)


@dataclass(frozen=True)
class Finding:
    """One linter finding; `path` is relative to the scanned root."""

    engine: str
    rule_id: str
    path: str
    start_line: int
    end_line: int
    start_col: int
    message: str
    severity: str


def semgrep_scan(
    config: Path, root: Path, targets: list[str] | None = None, *, native: bool = False
) -> list[Finding]:
    """Run one semgrep scan of `root` (or `targets` under it) with the whole pack; JSON results.

    `native=True` adds `--experimental`: semgrep's OCaml front end (osemgrep) runs the scan without the
    Python wrapper's start-up, several times faster on a small change; change risk uses it, and its
    findings equal the default front end's on a 1,147-file corpus (benchmarks/risk.py re-checks).

    `--no-git-ignore` and an empty `.semgrepignore` make semgrep scan exactly what we materialized
    (its default ignore list drops `tests/` and similar folders).
    """
    ignore = root / ".semgrepignore"
    created = not ignore.exists()
    if created:
        ignore.write_text("# scan everything\n")
    try:
        proc = run(
            semgrep_cmd(*(["--experimental"] if native else []), "--config", str(config), "--json", "--quiet",
                        "--no-git-ignore", "--no-rewrite-rule-ids", *(targets or ["."])),
            cwd=root,
        )
    finally:
        if created:
            ignore.unlink(missing_ok=True)
    if proc.returncode not in (0, 1):
        raise ToolError(f"semgrep failed (rc {proc.returncode}): {_semgrep_error_text(proc)}")
    data = json.loads(proc.stdout)
    out = []
    for r in data.get("results", []):
        out.append(
            Finding(
                engine="semgrep",
                rule_id=r["check_id"],
                path=r["path"].removeprefix("./"),
                start_line=r["start"]["line"],
                end_line=r["end"]["line"],
                start_col=r["start"].get("col", 1),
                message=r["extra"].get("message", ""),
                severity=r["extra"].get("severity", "WARNING"),
            )
        )
    return out


def _semgrep_error_text(proc: subprocess.CompletedProcess) -> str:
    """The errors semgrep reported (its JSON `errors`, else stderr), never empty."""
    try:
        errors = json.loads(proc.stdout or "{}").get("errors", [])
    except json.JSONDecodeError:
        errors = []
    msgs = [" ".join(str(e.get("long_msg") or e.get("message") or e.get("type") or "").split())[:300] for e in errors]
    text = "; ".join(m for m in msgs if m) or " ".join((proc.stderr or "").split())[-1000:]
    return text or "semgrep printed no error text"


def semgrep_validate(config: Path, workdir: Path) -> subprocess.CompletedProcess:
    """Offline validation: `--strict` scan of an empty file (rc 0 ok, 2 pattern error, 7 schema error)."""
    empty = workdir / "empty.py"
    empty.write_text("")
    return run(semgrep_cmd("--config", str(config), "--strict", "--json", "--no-rewrite-rule-ids", "--no-git-ignore",
                           str(empty)), cwd=workdir)


def semgrep_test(directory: Path) -> subprocess.CompletedProcess:
    """`semgrep scan --test DIR`: every `NAME.yaml` against its `# ruleid:` / `# ok:` annotated `NAME.py`."""
    return run(semgrep_cmd("--test", str(directory)))


def ruff_check(root: Path, *, config: Path | None = None, targets: list[str] | None = None) -> list[Finding]:
    """`ruff check` with JSON output; `config` None means ruff discovers the config under `root`."""
    args = [_tool("ruff"), "check", "--no-cache", "--exit-zero", "--output-format", "json"]
    if config is not None:
        args += ["--config", str(config)]
    proc = run([*args, *(targets or ["."])], cwd=root)
    if proc.returncode != 0:
        raise ToolError(f"ruff failed (rc {proc.returncode}): {proc.stderr[-2000:]}")
    out = []
    for r in json.loads(proc.stdout or "[]"):
        path = os.path.relpath(r["filename"], root)
        out.append(
            Finding(
                engine="ruff",
                rule_id=r.get("code") or "ruff",
                path=path,
                start_line=r["location"]["row"],
                end_line=r.get("end_location", r["location"])["row"],
                start_col=r["location"]["column"],
                message=r.get("message", ""),
                severity="WARNING",
            )
        )
    return out


def git(repo: Path, *args: str, check: bool = True) -> str:
    """stdout of one git command in `repo` (a failure is a `GitError` when `check`)."""
    return edge.text(repo, list(args), check=check, timeout=300)


_REV_OK = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./@^~{}+-]{0,199}$")


def safe_revision(revision: str | None) -> bool:
    return bool(revision) and bool(_REV_OK.match(revision)) and ".." not in revision


def _rev(revision: str) -> str:
    """Revisions come from the warehouse: refuse anything git could read as an option or a range."""
    if not safe_revision(revision):
        raise ToolError(f"refusing suspicious git revision {revision[:60]!r}")
    return revision


def git_show(repo: Path, revision: str, path: str) -> str | None:
    """File text at a revision, or None when it does not exist there."""
    proc = edge.run(repo, ["show", f"{_rev(revision)}:{path}"], check=False, timeout=120)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", errors="replace")


def git_archive(repo: Path, revision: str, dest: Path, paths: list[str] | None = None) -> None:
    """Materialize `revision` (or some of its paths) under `dest`: `git archive | tar -x`, streamed."""
    dest.mkdir(parents=True, exist_ok=True)
    with edge.streaming(repo, ["archive", "--format=tar", _rev(revision), "--", *(paths or [])]
                        ) as archive:
        extract = subprocess.run(["tar", "-x", "-C", str(dest)], stdin=archive.stdout, capture_output=True,
                                 timeout=300, check=False)
    archive.check()
    if extract.returncode != 0:
        raise ToolError(f"tar failed: {extract.stderr.decode(errors='replace')[:500]}")
