"""The settings the dashboard runs with: `models.config.load_config` without flags, so the environment
(`hindsight dashboard` passes its --config and --warehouse down as $HINDSIGHT_CONFIG and $HINDSIGHT_WAREHOUSE),
then ./hindsight.toml, then the defaults."""

from __future__ import annotations

from models.config import Config, ConfigError, load_config


def settings() -> Config:
    """The settings; a mistake in the configuration raises ConfigError naming the file and the setting."""
    return load_config()


def settings_or_none() -> Config | None:
    """The settings, or None when the configuration is broken: what they only add (links, a pack's folder)
    then disappears, and the pages still show the data."""
    try:
        return load_config()
    except (ConfigError, OSError):
        return None
