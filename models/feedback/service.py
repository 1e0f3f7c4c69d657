"""The stage's use cases, shared by the CLI and the Dagster assets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from models.config import Config
from models.feedback.guidance import record_guidance, render_guidance, write_guidance
from models.feedback.pack import ExportResult, export_pack
from models.feedback.synthesis import RulePack, synthesize_rules


@dataclass(frozen=True)
class GuidanceResult:
    version: str
    out_dir: Path
    files: dict[str, int]  # relative path -> bytes
    into_repo: Path | None


def default_pack_dir(config: Config) -> Path:
    """`<exports>/rulepacks` (by default `data/exports/rulepacks`)."""
    return Path(config.exports_dir) / "rulepacks"


def release_rules(
    con: duckdb.DuckDBPyConnection, config: Config, out_dir: Path | None = None, *, force: bool = False,
    sarif: bool = True,
) -> tuple[RulePack, ExportResult]:
    """Synthesize the rules and release them as a pack (a new version only when the content changed)."""
    pack = synthesize_rules(con, config)
    if not pack.rules:
        raise ValueError("no failure class of the catalog was seen in production (no active clusters): nothing to export")
    result = export_pack(con, config, pack, Path(out_dir) if out_dir else default_pack_dir(config), force=force,
                         sarif=sarif)
    return pack, result


def release_guidance(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    out_dir: Path | None = None,
    into_repo: Path | None = None,
    *,
    pack_dir: Path | None = None,
) -> GuidanceResult:
    """Guidance files of the current pack, into `out_dir` (default `<pack>/guidance`) and optionally
    merged into a repository (only our marked block / our `hindsight-*` files are replaced)."""
    if into_repo is not None and not Path(into_repo).is_dir():
        raise ValueError(f"--into-repo {into_repo} is not a directory")
    pack, result = release_rules(con, config, pack_dir)
    files = render_guidance(pack)
    out = Path(out_dir) if out_dir else result.path / "guidance"
    write_guidance(files, out, merge=False)
    if into_repo is not None:
        write_guidance(files, Path(into_repo), merge=True)
    record_guidance(con, pack.version, files)
    return GuidanceResult(pack.version, out, {rel: len(c.encode()) for rel, (_, c) in files.items()}, into_repo)
