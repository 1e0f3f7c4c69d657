"""Hindsight configuration (`hindsight.toml`), shared by the CLI, the pipelines and the dashboard.

Lookup order: explicit path, `$HINDSIGHT_CONFIG`, `./hindsight.toml`; a missing file means defaults.
Relative paths in the file are resolved against the file's directory. See README "Configuration".
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ENV_CONFIG = "HINDSIGHT_CONFIG"


@dataclass(frozen=True)
class PathMapping:
    """Like Sentry's code mappings: a deployed path prefix and the repo path prefix it holds."""

    stack_root: str
    source_root: str


@dataclass(frozen=True)
class RepositoryConfig:
    name: str
    path: Path
    default_branch: str = "main"
    release_pattern: str | None = None  # tag pattern, e.g. "v{version}" or "{service}@{version}"
    release_table: dict[str, str] = field(default_factory=dict)  # release string -> sha
    path_mappings: tuple[PathMapping, ...] = ()
    services: tuple[str, ...] = ()  # services whose events ran this repository's code
    web_url: str | None = None  # repository web UI, e.g. https://github.com/acme/shop (commit links: {web_url}/commit/{sha})


@dataclass(frozen=True)
class LogSourceConfig:
    """How to read plain-text logs whose file name matches `glob` (Loghub line format)."""

    glob: str
    line_format: str
    service: str | None = None


@dataclass(frozen=True)
class Config:
    root: Path = Path(".")
    warehouse: Path = Path("data/warehouse.duckdb")
    landing_dir: Path = Path("data/landing")
    exports_dir: Path = Path("data/exports")
    repositories: tuple[RepositoryConfig, ...] = ()
    log_sources: tuple[LogSourceConfig, ...] = ()
    fingerprint_rules: tuple[str, ...] = ()  # e.g. 'type:SoftTimeLimitExceeded -> soft-timelimit-exceeded'
    stacktrace_rules: tuple[str, ...] = ()  # e.g. 'path:**/vendor/** -app'
    marker_files: tuple[Path, ...] = ()  # extra AI-marker files, added to the shipped defaults
    raw: dict = field(default_factory=dict)  # the whole parsed file, for sections owned by one stage

    def repository(self, name: str) -> RepositoryConfig:
        for repo in self.repositories:
            if repo.name == name:
                return repo
        raise KeyError(f"no repository named {name!r} in the configuration")


def _resolve(base: Path, value: str | os.PathLike) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p)


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Load the configuration; environment `HINDSIGHT_WAREHOUSE` overrides the warehouse path."""
    candidate = Path(path) if path else Path(os.environ.get(ENV_CONFIG) or "hindsight.toml")
    data: dict = {}
    base = Path.cwd()
    if candidate.exists():
        data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        base = candidate.resolve().parent
    elif path:
        raise FileNotFoundError(f"configuration file not found: {candidate}")

    wh = data.get("warehouse", {})
    warehouse = _resolve(base, wh.get("path", "data/warehouse.duckdb"))
    if os.environ.get("HINDSIGHT_WAREHOUSE"):
        warehouse = Path(os.environ["HINDSIGHT_WAREHOUSE"])

    repos = []
    for r in data.get("repositories", []):
        repos.append(
            RepositoryConfig(
                name=r["name"],
                path=_resolve(base, r["path"]),
                default_branch=r.get("default_branch", "main"),
                release_pattern=r.get("release_pattern"),
                release_table=dict(r.get("release_table", {})),
                path_mappings=tuple(PathMapping(m["stack_root"], m["source_root"]) for m in r.get("path_mappings", [])),
                services=tuple(r.get("services", [])),
                web_url=r.get("web_url"),
            )
        )
    logs = tuple(
        LogSourceConfig(glob=s["glob"], line_format=s["format"], service=s.get("service"))
        for s in data.get("logs", {}).get("formats", [])
    )
    sig = data.get("signatures", {})
    return Config(
        root=base,
        warehouse=warehouse,
        landing_dir=_resolve(base, data.get("landing", {}).get("dir", "data/landing")),
        exports_dir=_resolve(base, data.get("exports", {}).get("dir", "data/exports")),
        repositories=tuple(repos),
        log_sources=logs,
        fingerprint_rules=tuple(sig.get("fingerprint_rules", [])),
        stacktrace_rules=tuple(sig.get("stacktrace_rules", [])),
        marker_files=tuple(_resolve(base, p) for p in data.get("ai", {}).get("marker_files", [])),
        raw=data,
    )
