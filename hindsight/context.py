"""What every CLI command needs: the configuration and the warehouse path, resolved once."""

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
        """The parsed hindsight.toml (a mistake in it raises models.config.ConfigError: exit code 4)."""
        return load_config(self.config_path)

    @property
    def warehouse(self) -> Path:
        return Path(self.warehouse_override) if self.warehouse_override else self.config.warehouse
