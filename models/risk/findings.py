"""Findings of the current rule pack on the lines a change added (real semgrep and ruff runs).

The pack is read from its released folder (`core.rule_packs.path`: semgrep YAML, ruff TOML, manifest).
For stored history, the changed Python files of every commit not scanned with this pack version are
written under `<tmp>/<sha>/<path>` and scanned with one semgrep and one ruff run per batch; a finding
counts when its first line is a line the commit added (from its -U0 hunks). Results are cached in
`core.risk_pack_scans` / `core.risk_pack_findings` per (commit, pack version).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import duckdb
import polars as pl

from models.feedback.evaluation import rule_ids_for
from models.feedback.pack import latest_pack
from models.feedback.render import RUFF_FILE, SEMGREP_FILE
from models.feedback.safety import safe_identifier
from models.feedback.tools import ToolError, ruff_check, semgrep_scan
from models.history.redaction import scrub_paths
from models.risk.gitdiff import read_files
from models.warehouse import read_sql, run_sql_file, unit_of_work

SCAN_EXTENSIONS = (".py",)
BATCH_COMMITS = 200


@dataclass(frozen=True)
class Pack:
    version: str
    path: Path
    rules: SimpleNamespace  # what feedback's rule_ids_for needs: semgrep_rules, ruff_codes, banned_api
    messages: dict[str, str]  # rule id -> message, severity for reports

    @property
    def semgrep_config(self) -> Path:
        return self.path / SEMGREP_FILE

    @property
    def ruff_config(self) -> Path:
        return self.path / RUFF_FILE


def current_pack(con: duckdb.DuckDBPyConnection) -> Pack | None:
    """The latest released pack whose folder still exists, else None."""
    cur = con.cursor()  # latest_pack leaves its result open: keep that off the caller's connection
    try:
        latest = latest_pack(cur)
    finally:
        cur.close()
    if not latest or not Path(latest["path"]).is_dir():
        return None
    return load_pack(Path(latest["path"]), latest["manifest"])


def load_pack(path: Path, manifest: dict | None = None) -> Pack:
    """A pack from its folder (manifest.json read when not given)."""
    manifest = manifest or json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    rules = manifest.get("rules", [])
    shim = SimpleNamespace(
        semgrep_rules=[SimpleNamespace(rule_id=r["id"]) for r in rules if r.get("engine") == "semgrep"],
        ruff_codes=list(manifest.get("ruff", {}).get("extend_select", [])),
        banned_api=set(manifest.get("ruff", {}).get("banned_api", [])),
    )
    messages = {r["id"]: f"{r.get('failure_class', '')} ({r.get('severity', 'WARNING')})" for r in rules}
    return Pack(manifest["version"], path, shim, messages)


def added_lines(hunks: pl.DataFrame) -> dict[tuple[str, str], set[int]]:
    """(sha, path) -> line numbers the commit added (new side of its hunks)."""
    out: dict[tuple[str, str], set[int]] = {}
    for sha, path, start, n in hunks.select("sha", "path", "new_start", "new_lines").iter_rows():
        if n > 0:
            out.setdefault((sha, path), set()).update(range(start, start + n))
    return out


def scan_changes(
    pack: Pack, repo_path: Path, hunks: pl.DataFrame, revision_of: dict[str, str] | None = None
) -> pl.DataFrame:
    """Pack findings on added lines of the changes in `hunks` (sha, rule_id, path, line).

    Files are read from git at each hunk's `sha`, or at `revision_of[sha]` when given (a change set
    keyed by a name is read at its head).
    """
    lines = {k: v for k, v in added_lines(hunks).items() if k[1].endswith(SCAN_EXTENSIONS)}
    schema = {"sha": pl.Utf8, "rule_id": pl.Utf8, "path": pl.Utf8, "line": pl.Int32}
    if not lines:
        return pl.DataFrame(schema=schema)
    revision_of = revision_of or {}
    specs = {key: (revision_of.get(key[0], key[0]), key[1]) for key in lines}
    read = read_files(repo_path, list(set(specs.values())))
    blobs = {key: read[spec] for key, spec in specs.items() if spec in read}
    rows = []
    with tempfile.TemporaryDirectory(prefix="hindsight-risk-scan-") as tmp:
        root = Path(tmp)
        where: dict[str, list[tuple[str, str]]] = {}
        written: dict[tuple[str, bytes], str] = {}  # the same file content at the same path is scanned once
        for (sha, path), data in blobs.items():
            if (sha, path) not in lines or ".." in Path(path).parts or Path(path).is_absolute():
                continue
            rel = written.get((path, data))
            if rel is None:
                rel = written[(path, data)] = f"{safe_identifier(sha)}/{path}"
                target = root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            where.setdefault(rel, []).append((sha, path))
        if not where:
            return pl.DataFrame(schema=schema)
        found = _semgrep(pack, root) if pack.rules.semgrep_rules else []
        found += ruff_check(root, config=pack.ruff_config)
        for f in found:
            rid = rule_ids_for(pack.rules, f)
            if rid is None:
                continue
            for key in where.get(f.path, []):
                if any(n in lines[key] for n in range(f.start_line, max(f.end_line, f.start_line) + 1)):
                    rows.append((key[0], rid, key[1], f.start_line))
    return pl.DataFrame(rows, schema=schema, orient="row").unique()


def _semgrep(pack: Pack, root: Path) -> list:
    """semgrep's native front end (same findings, a fraction of the start-up: the 2 s review bar), falling
    back to the default front end if this semgrep build cannot run it."""
    try:
        return semgrep_scan(pack.semgrep_config, root, native=True)
    except ToolError:
        return semgrep_scan(pack.semgrep_config, root)


def scan_history(con: duckdb.DuckDBPyConnection, repo: str, repo_path: Path, pack: Pack) -> dict:
    """Scan every stored commit not yet scanned with `pack` (incremental); returns counts."""
    todo = [
        r[0]
        for r in con.execute(
            read_sql("queries/risk/select_pack_scan_todo"), {"repo": repo, "pack": pack.version}
        ).fetchall()
    ]
    stats = {"commits": 0, "findings": 0}
    for start in range(0, len(todo), BATCH_COMMITS):
        shas = todo[start : start + BATCH_COMMITS]
        hunks = con.sql(
            read_sql("queries/risk/select_commit_hunks"), params={"repo": repo, "shas": shas}
        ).pl()
        found = scan_changes(pack, repo_path, hunks)
        files = {
            sha: n
            for sha, n in hunks.filter(pl.col("path").str.ends_with(".py"))
            .group_by("sha")
            .agg(pl.col("path").n_unique())
            .iter_rows()
        }
        per_commit = (
            found.group_by("sha").len()
            if found.height
            else pl.DataFrame(schema={"sha": pl.Utf8, "len": pl.UInt32})
        )
        counts = dict(per_commit.iter_rows())
        scans = pl.DataFrame(
            [(repo, s, pack.version, files.get(s, 0), counts.get(s, 0)) for s in shas],
            schema={
                "repo": pl.Utf8,
                "sha": pl.Utf8,
                "pack_version": pl.Utf8,
                "files": pl.Int32,
                "findings": pl.Int32,
            },
            orient="row",
        )
        rows = scrub_paths(found, ("path",)).with_columns(
            pl.lit(repo).alias("repo"), pl.lit(pack.version).alias("pack_version")
        )
        with unit_of_work(con, risk_scans_batch=scans, risk_findings_batch=rows):
            run_sql_file(con, "queries/risk/insert_pack_findings")
            run_sql_file(con, "queries/risk/insert_pack_scans")
        stats["commits"] += len(shas)
        stats["findings"] += found.height
    return stats
