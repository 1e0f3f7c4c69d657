"""Settings of the compute layer, from the `[compute]` section of hindsight.toml (all optional).

    [compute]
    mode = "dask"                        # "local" (default): everything in the pipeline's process
    scheduler = "tcp://10.0.0.5:8786"    # the Dask scheduler (mode "dask")
    path = "/mnt/shared/hindsight-compute"  # where workers write task output; every worker and the
                                         # committer must see it (default: <landing>/.compute)
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from models.config import Config, ConfigError

MODES = ("local", "dask")


class ComputeError(RuntimeError):
    """The compute cluster failed the run (unreachable scheduler, workers lost past Dask's retries);
    nothing of the affected files was committed."""


@dataclass(frozen=True)
class ComputeSettings:
    mode: str = "local"
    scheduler: str = ""
    path: str = ""  # '' = <landing>/.compute
    connect_timeout_s: float = 10.0  # how long to wait for the scheduler before failing the run

    @classmethod
    def from_config(cls, config: Config | None) -> ComputeSettings:
        raw = (config.raw if config else {}).get("compute", {})
        file = "hindsight.toml"
        if not isinstance(raw, dict):
            raise ConfigError(f"{file}: [compute] must be a table, not {type(raw).__name__} {raw!r}")
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise ConfigError(f"{file}: unknown [compute] settings: {sorted(unknown)} (known: {sorted(known)})")
        for key in ("mode", "scheduler", "path"):
            if key in raw and not isinstance(raw[key], str):
                raise ConfigError(f"{file}: compute.{key} must be a string, not {type(raw[key]).__name__} {raw[key]!r}")
        timeout = raw.get("connect_timeout_s", cls.connect_timeout_s)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise ConfigError(f"{file}: compute.connect_timeout_s must be a positive number, not {timeout!r}")
        settings = cls(**{**raw, "connect_timeout_s": float(timeout)})
        if settings.mode not in MODES:
            raise ConfigError(f"{file}: compute.mode must be one of {', '.join(MODES)}, not {settings.mode!r}")
        if settings.mode == "dask" and not settings.scheduler.strip():
            raise ConfigError(f"{file}: compute.scheduler is required with mode = \"dask\" (e.g. \"tcp://host:8786\")")
        return settings

    def output_root(self, config: Config) -> Path:
        """The shared folder of task output (hidden under the landing folder by default: ingest skips it)."""
        if self.path:
            p = Path(self.path).expanduser()
            return p if p.is_absolute() else Path(config.root) / p
        return Path(config.landing_dir) / ".compute"
