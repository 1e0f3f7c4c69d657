"""Hindsight configuration (`hindsight.toml`), shared by the CLI, the pipelines and the dashboard.

Lookup order: explicit path, `$HINDSIGHT_CONFIG`, `./hindsight.toml`; a missing file means defaults
(a path given explicitly must exist). Relative paths in the file are resolved against the file's
directory. Every setting is type-checked on load: a mistake is a `ConfigError` naming the file, the
setting and what it should be, never a KeyError deep in a stage. See README "Configuration".
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

# The config kind of the error tree (models/errors.py); `models.config.ConfigError` names it too.
from models.errors import ConfigError

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
    default_branch: str | None = None  # None: the branch the repository's HEAD names (see head_branch)
    release_pattern: str | None = None  # tag pattern, e.g. "v{version}" or "{service}@{version}"
    release_table: dict[str, str] = field(default_factory=dict)  # release string -> sha
    path_mappings: tuple[PathMapping, ...] = ()
    services: tuple[str, ...] = ()  # services whose events ran this repository's code
    web_url: str | None = None  # repository web UI, e.g. https://github.com/acme/shop (commit links: {web_url}/commit/{sha})

    def __post_init__(self) -> None:
        if self.default_branch is None:
            object.__setattr__(self, "default_branch", head_branch(self.path))


def head_branch(path: str | os.PathLike) -> str:
    """The branch a repository's HEAD names (`main`, `master`, `trunk` ...), read from git: the default
    branch when the configuration does not name one. "HEAD" itself when HEAD is detached, and "main" when
    the path is not (yet) a repository (ingest then says so, naming the path)."""
    from models import git

    try:
        proc = git.run(path, ["symbolic-ref", "--quiet", "--short", "HEAD"], check=False, timeout=30)
        if proc.returncode == 0 and proc.stdout.strip():
            return proc.stdout.decode("utf-8", "replace").strip()
        if Path(path).exists() and git.run(path, ["rev-parse", "--verify", "--quiet", "HEAD"], check=False,
                                           timeout=30).returncode == 0:
            return "HEAD"
    except (OSError, git.GitError):  # no git, or it hung: ingest then names the path and the problem
        pass
    return "main"


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
    explicit = path or os.environ.get(ENV_CONFIG)
    candidate = Path(explicit) if explicit else Path("hindsight.toml")
    data: dict = {}
    base = Path.cwd()
    if candidate.is_file():
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{candidate}: not valid TOML: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{candidate}: cannot read the configuration: {exc}") from None
        base = candidate.resolve().parent
    elif explicit:
        where = "--config or $" + ENV_CONFIG if path else "$" + ENV_CONFIG
        what = "is a folder, not a file" if candidate.is_dir() else "not found"
        raise ConfigError(f"configuration file {what}: {candidate} (given by {where})")
    return _parse(data, base, candidate)


class _Settings:
    """Typed reads of the parsed TOML, each mistake a ConfigError naming the file and the setting."""

    def __init__(self, file: Path):
        self.file = file

    def fail(self, setting: str, expected: str, value) -> ConfigError:
        return ConfigError(f"{self.file}: {setting} must be {expected}, not {type(value).__name__} {value!r}")

    def table(self, data: dict, key: str, setting: str) -> dict:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(setting, f"a table ([{setting}])", value)
        return value

    def tables(self, data: dict, key: str, setting: str) -> list[dict]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(setting, f"an array of tables ([[{setting}]])", value)
        return value

    def text(self, data: dict, key: str, setting: str, *, required: bool = False, default=None):
        if key not in data:
            if required:
                raise ConfigError(f"{self.file}: {setting} is required")
            return default
        value = data[key]
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(setting, "a non-empty string" if required else "a string", value)
        return value

    def strings(self, data: dict, key: str, setting: str) -> list[str]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(setting, "a list of strings", value)
        return value


def _parse(data: dict, base: Path, file: Path) -> Config:
    s = _Settings(file)
    warehouse = _resolve(base, s.text(s.table(data, "warehouse", "warehouse"), "path", "warehouse.path",
                                      default="data/warehouse.duckdb"))
    if os.environ.get("HINDSIGHT_WAREHOUSE"):
        warehouse = Path(os.environ["HINDSIGHT_WAREHOUSE"])

    repos = []
    for i, r in enumerate(s.tables(data, "repositories", "repositories"), start=1):
        where = f"[[repositories]] #{i}"
        name = s.text(r, "name", f"{where} name", required=True)
        where = f"[[repositories]] {name!r}"
        table = r.get("release_table", {})
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise s.fail(f"{where} release_table", "a table of release = \"sha\"", table)
        mappings = s.tables(r, "path_mappings", f"{where} path_mappings")
        repos.append(
            RepositoryConfig(
                name=name,
                path=_resolve(base, s.text(r, "path", f"{where} path", required=True)),
                default_branch=s.text(r, "default_branch", f"{where} default_branch"),
                release_pattern=s.text(r, "release_pattern", f"{where} release_pattern"),
                release_table=dict(table),
                path_mappings=tuple(
                    PathMapping(s.text(m, "stack_root", f"{where} path_mappings stack_root", required=True),
                                s.text(m, "source_root", f"{where} path_mappings source_root", required=True))
                    for m in mappings
                ),
                services=tuple(s.strings(r, "services", f"{where} services")),
                web_url=s.text(r, "web_url", f"{where} web_url"),
            )
        )
    names = [r.name for r in repos]
    if len(set(names)) != len(names):
        raise ConfigError(f"{file}: two [[repositories]] have the same name ({', '.join(sorted(names))})")
    logs = tuple(
        LogSourceConfig(
            glob=s.text(f, "glob", f"[[logs.formats]] #{i} glob", required=True),
            line_format=s.text(f, "format", f"[[logs.formats]] #{i} format", required=True),
            service=s.text(f, "service", f"[[logs.formats]] #{i} service"),
        )
        for i, f in enumerate(s.tables(s.table(data, "logs", "logs"), "formats", "logs.formats"), start=1)
    )
    sig = s.table(data, "signatures", "signatures")
    return Config(
        root=base,
        warehouse=warehouse,
        landing_dir=_resolve(base, s.text(s.table(data, "landing", "landing"), "dir", "landing.dir",
                                          default="data/landing")),
        exports_dir=_resolve(base, s.text(s.table(data, "exports", "exports"), "dir", "exports.dir",
                                          default="data/exports")),
        repositories=tuple(repos),
        log_sources=logs,
        fingerprint_rules=tuple(s.strings(sig, "fingerprint_rules", "signatures.fingerprint_rules")),
        stacktrace_rules=tuple(s.strings(sig, "stacktrace_rules", "signatures.stacktrace_rules")),
        marker_files=tuple(_resolve(base, p) for p in s.strings(s.table(data, "ai", "ai"), "marker_files",
                                                                 "ai.marker_files")),
        raw=data,
    )
