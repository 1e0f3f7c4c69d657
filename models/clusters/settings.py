"""Settings of the clusters stage, from the `[clusters]` section of hindsight.toml (all optional)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from models.config import Config

# Chosen by measurement (`.venv/bin/python -m benchmarks.run clusters`, figure `threshold_sweep`):
# on the labelled signature corpus of benchmarks/clusters.py (planted bugs in their "clothing" —
# renamed wrappers, moved lines, missed parameters, log tracebacks vs SDK events — plus look-alike
# distinct bugs), pairwise precision is 1.0 at every threshold thanks to the hard blocking rules
# (same exception type and same crash site); recall is 1.0 from 0.30 up to 0.60 and then falls
# (0.70: 0.93, 0.80: 0.79, 0.90: 0.43) as renamed wrappers and message variants stop joining.
# 0.50 sits in the middle of the flat region, leaving margin on both sides.
SIMILARITY_THRESHOLD = 0.50


@dataclass(frozen=True)
class ClusterSettings:
    similarity_threshold: float = SIMILARITY_THRESHOLD
    quiet_days: int = 7  # a cluster silent this many days that reappears is a regression
    spike_baseline_days: int = 14  # trailing window of the spike baseline
    spike_factor: float = 3.0  # a day is a spike at >= factor x baseline mean ...
    spike_sigmas: float = 3.0  # ... and >= mean + sigmas x stddev ...
    spike_min_events: int = 10  # ... and at least this many events
    error_levels: tuple[str, ...] = ("ERROR", "CRITICAL", "FATAL", "SEVERE", "EMERG", "ALERT", "E", "F")
    incident_window_before_min: int = 30  # service/time links: minutes before an incident starts
    incident_window_after_min: int = 120  # ... and after it ends (or starts, when unresolved)

    @classmethod
    def from_config(cls, config: Config | None) -> ClusterSettings:
        raw = dict((config.raw if config else {}).get("clusters", {}))
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown [clusters] settings: {sorted(unknown)} (known: {sorted(known)})")
        if "error_levels" in raw:
            raw["error_levels"] = tuple(str(x).upper() for x in raw["error_levels"])
        settings = cls(**raw)
        if not 0.0 < settings.similarity_threshold <= 1.0:
            raise ValueError("clusters.similarity_threshold must be in (0, 1]")
        if settings.quiet_days < 1:
            raise ValueError("clusters.quiet_days must be >= 1")
        return settings
