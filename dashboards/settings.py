"""The settings the dashboard runs with: `models.config.load_config` without flags, so the environment
(`hindsight dashboard` passes its --config and --warehouse down as $HINDSIGHT_CONFIG and $HINDSIGHT_WAREHOUSE),
then ./hindsight.toml, then the defaults.

Loaded once per state of those inputs, not per call: every query asks for the warehouse path, and parsing and
checking the file costs milliseconds (dozens of times per page run). An edit of the file, or other environment
values, load it again."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from models.config import DEFAULT_FILE, ENV_CONFIG, ENV_WAREHOUSE, Config, ConfigError, load_config


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _inputs() -> tuple:
    """What load_config reads: the environment's values, the working directory, and the files they name."""
    config, warehouse = os.environ.get(ENV_CONFIG), os.environ.get(ENV_WAREHOUSE)
    cwd = os.getcwd()
    return config, warehouse, cwd, _stat(Path(config) if config else Path(cwd) / DEFAULT_FILE)


@lru_cache(maxsize=8)
def _load(inputs: tuple) -> Config:
    return load_config()


def settings() -> Config:
    """The settings; a mistake in the configuration raises ConfigError naming the file and the setting."""
    return _load(_inputs())


def settings_or_none() -> Config | None:
    """The settings, or None when the configuration is broken: what they only add (links, a pack's folder)
    then disappears, and the pages still show the data."""
    try:
        return settings()
    except (ConfigError, OSError):
        return None
