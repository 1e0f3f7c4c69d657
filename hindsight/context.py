"""What every CLI command needs: the configuration and the warehouse path, resolved once.

The global options are the flag layer of `models.config.load_config` (the environment and the file come
after them there); a command that only needs the warehouse does not read the file when --warehouse names it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from models.config import Config, load_config


@dataclass
class AppContext:
    config_path: Path | None = None
    warehouse_override: Path | None = None
    debug: bool = False
    _unused: dict = field(default_factory=dict)

    @cached_property
    def config(self) -> Config:
        """The settings (a mistake in hindsight.toml raises models.config.ConfigError: exit code 4)."""
        return load_config(self.config_path, warehouse=self.warehouse_override)

    @property
    def warehouse(self) -> Path:
        return Path(self.warehouse_override) if self.warehouse_override else self.config.warehouse
