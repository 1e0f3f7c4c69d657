"""The stage's use cases, shared by the CLI and the Dagster assets.

Releasing rules (`release_rules`, the `rule_pack` asset and `hindsight export rules` only): synthesize
the candidate pack from the warehouse, measure it (held-out recall, noise, fixed lines), select what ships
and set severities from the measurement, then release it atomically after validation. When the candidate
and everything it was measured on are unchanged since the latest release (`candidate_hash`), the latest
pack is reused without measuring again.

Everything else reads the released pack (`released_pack`) and never publishes one: guidance, the
efficacy asset and `hindsight evaluate`.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from models.config import Config
from models.errors import InputError
from models.feedback.evaluation import Evaluation, evaluate_pack, scan_pack, score
from models.feedback.evidence import repository_paths
from models.feedback.guidance import record_guidance, render_guidance, write_guidance
from models.feedback.pack import ExportResult, PackValidationError, export_pack, latest_pack
from models.feedback.render import write_linter_configs
from models.feedback.selection import finalize_rules, select_rules
from models.feedback.synthesis import RulePack, synthesize_rules
from models.feedback.tools import git
from models.feedback.validation import semgrep_problems
from models.warehouse import read_sql, unit_of_work

NOTHING_TO_RELEASE = "no failure class of the catalog was seen in production (no active clusters): nothing to export"
NOTHING_RELEASED = "no rule pack has been released yet: run `hindsight export rules` (or the pipeline, `hindsight run`)"


class NothingToRelease(InputError, ValueError):
    """No catalog failure class has an active cluster: there is no rule to release."""

    hint = "ingest production data and run the pipeline (`hindsight run`) first"


@dataclass(frozen=True)
class GuidanceResult:
    version: str
    out_dir: Path
    files: dict[str, int]  # relative path -> bytes
    into_repo: Path | None


def default_pack_dir(config: Config) -> Path:
    """`<exports>/rulepacks` (by default `data/exports/rulepacks`)."""
    return Path(config.exports_dir) / "rulepacks"


def _heads(con: duckdb.DuckDBPyConnection, config: Config) -> dict[str, str]:
    """Commit of each repository's default branch (the evaluation's HEAD)."""
    out = {}
    for name, path in repository_paths(con, config).items():
        branch = next((r.default_branch for r in config.repositories if r.name == name), "HEAD")
        sha = git(path, "rev-parse", "--verify", "--quiet", branch, check=False).strip() if path.exists() else ""
        out[name] = sha or (git(path, "rev-parse", "HEAD", check=False).strip() if path.exists() else "")
    return out


def candidate_hash(con: duckdb.DuckDBPyConnection, config: Config, candidate: RulePack) -> str:
    """Everything a release depends on: the candidate rules, the crash sites and fixes, the HEAD commits."""
    doc = {
        "rules": [(r.rule_id, r.body, r.message, r.severity) for r in candidate.rules],
        "ruff": candidate.ruff_codes, "banned": candidate.banned_api,
        "sites": sorted((s.cluster_id, s.repo, s.revision, s.path, s.line, s.fix_commit or "")
                        for ev in candidate.evidence.values() for s in ev.sites),
        "heads": _heads(con, config),
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def _reuse(con: duckdb.DuckDBPyConnection, candidate: RulePack, latest: dict) -> RulePack:
    """The candidate narrowed to what the latest pack shipped, with its severities, messages, patterns,
    ruff codes and version (a new value; `candidate` is left as it was)."""
    rows = con.execute(
        "SELECT rule_id, severity, severity_reason, message FROM core.rules WHERE pack_version = ?", [latest["version"]]
    ).fetchall()
    shipped = {rid: (sev, why, msg) for rid, sev, why, msg in rows}
    bodies = {}
    sg = Path(latest["path"]) / "hindsight-semgrep.yaml"
    if sg.exists():
        import yaml

        bodies = {r["id"]: r for r in (yaml.safe_load(sg.read_text(encoding="utf-8")) or {}).get("rules", [])}
    rules = []
    for r in candidate.rules:
        if r.rule_id not in shipped:
            continue
        severity, why, message = shipped[r.rule_id]
        body = bodies.get(r.rule_id, r.body) if r.body is not None else None
        rules.append(replace(r, severity=severity, severity_reason=why, message=message, body=body))
    banned = {api: r.message for api in candidate.banned_api for r in rules if r.rule_id == f"ruff.TID251.{api}"}
    codes = latest["manifest"].get("ruff", {}).get("extend_select", candidate.ruff_codes)
    return replace(candidate, rules=tuple(rules), banned_api=banned, ruff_codes=tuple(codes), version=latest["version"])


def _validate_candidate(candidate: RulePack, latest: dict | None) -> None:
    """Every candidate semgrep rule loads (`--strict`) before anything is measured with it."""
    with tempfile.TemporaryDirectory(prefix="hindsight-candidate-") as tmp:
        sg, _ = write_linter_configs(candidate, Path(tmp))
        problems = semgrep_problems(sg)
    if problems:
        raise PackValidationError(problems, latest["version"] if latest else None)


def release_rules(
    con: duckdb.DuckDBPyConnection, config: Config, out_dir: Path | None = None, *, force: bool = False,
    sarif: bool = True,
) -> tuple[RulePack, ExportResult]:
    """Measure, select and release the rule pack (a new version only when the content changed).

    Raises `NothingToRelease` when no catalog class was seen, `PackValidationError` when the new pack
    does not validate (the previous pack stays current)."""
    candidate = synthesize_rules(con, config)
    if not candidate.rules:
        raise NothingToRelease(NOTHING_TO_RELEASE)
    key = candidate_hash(con, config, candidate)
    latest = latest_pack(con)
    out = Path(out_dir) if out_dir else default_pack_dir(config)
    if latest and not force and latest["manifest"].get("candidate_hash") == key and Path(latest["path"]).exists():
        result = export_pack(con, config, _reuse(con, candidate, latest), out, sarif=sarif,
                             extra_files=_risk_files(con, config))
        return result.pack, result
    _validate_candidate(candidate, latest)
    scan = scan_pack(con, config, candidate)
    selection = select_rules(candidate, score(scan, candidate))
    # the figures of exactly the set that ships (a narrowed mined rule has a new pattern: scan again)
    ev = score(scan_pack(con, config, selection.pack) if selection.narrowed else scan, selection.pack)
    pack, ev = finalize_rules(selection.pack, ev)
    result = export_pack(con, config, pack, out, evaluation=ev, candidate_hash=key, dropped=list(selection.dropped),
                         force=force, sarif=sarif, extra_files=_risk_files(con, config))
    return result.pack, result


def released_pack(con: duckdb.DuckDBPyConnection, config: Config) -> RulePack:
    """The latest released pack as it shipped (rules, severities, messages and patterns from its files),
    with today's evidence. Reads only: raises `NothingToRelease` when no pack was released (or no class
    is seen any more)."""
    latest = latest_pack(con)
    if latest is None or not Path(latest["path"]).exists():
        raise NothingToRelease(NOTHING_RELEASED)
    candidate = synthesize_rules(con, config)
    if not candidate.rules:
        raise NothingToRelease(NOTHING_TO_RELEASE)
    return _reuse(con, candidate, latest)


def _risk_files(con: duckdb.DuckDBPyConnection, config: Config):
    """The risk stage's part of every release (PR review job + models), written into the staged pack."""
    # the risk stage imports this one, so it is loaded when a pack is released, not with this module
    from models.risk.export import write_pack_files

    return lambda pack_dir: write_pack_files(con, config, pack_dir)


def stored_evaluation(con: duckdb.DuckDBPyConnection, version: str) -> dict | None:
    """The pack-level figures recorded for `version` (None when it was never evaluated)."""
    cur = con.execute("SELECT * FROM main.rule_pack_summary WHERE version = ? AND evaluated_at IS NOT NULL", [version])
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row)) if row else None


def reevaluate(con: duckdb.DuckDBPyConnection, config: Config) -> Evaluation:
    """Run the released pack again on crash sites, fixes and HEAD, and store its figures (`hindsight evaluate`).
    Publishes nothing: `core.rule_packs` and the pack folders are left as they are."""
    return evaluate_pack(con, config, released_pack(con, config))


def release_guidance(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    out_dir: Path | None = None,
    into_repo: Path | None = None,
) -> GuidanceResult:
    """Guidance files of the released pack, into `out_dir` (default `<pack>/guidance`) and optionally
    merged into a repository (only our marked block / our `hindsight-*` files are replaced). Releases
    nothing (`NothingToRelease` when no pack was released)."""
    if into_repo is not None and not Path(into_repo).is_dir():
        raise InputError(f"--into-repo {into_repo} is not a directory", "give the root folder of a repository")
    pack = released_pack(con, config)
    files = render_guidance(pack, crash_code(con))
    out = Path(out_dir) if out_dir else Path(latest_pack(con)["path"]) / "guidance"
    write_guidance(files, out, merge=False)
    if into_repo is not None:
        write_guidance(files, Path(into_repo), merge=True)
    with unit_of_work(con):
        record_guidance(con, pack.version, files)
    return GuidanceResult(pack.version, out, {rel: len(c.encode()) for rel, (_, c) in files.items()}, into_repo)


def crash_code(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Cluster id -> the code of its most frequent crash frame, as stored (scrubbed): pre-context + crash line."""
    out = {}
    for cluster_id, pre, line in con.execute(read_sql("queries/feedback/select_cluster_crash_code")).fetchall():
        out[cluster_id] = [*(pre or []), line]
    return out
