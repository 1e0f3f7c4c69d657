"""Settings of the clusters stage, from the `[clusters]` section of hindsight.toml (all optional)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from models.config import Config

# Method and threshold chosen by measurement (`.venv/bin/python -m benchmarks.run clusters`, figure
# `threshold_sweep`): pairwise precision/recall of events vs planted bugs, worst of 3 seeds (600 bugs,
# 60k events) of the labelled corpus in benchmarks/clusters_corpus.py — renamed wrappers, reformatted
# lines, log tracebacks vs SDK events, missed message parameters, against look-alike distinct bugs:
#   threshold            0.30   0.50   0.60   0.70   0.75   0.78   0.80   0.82   0.85   0.90   0.95
#   single_link  prec.   0.409  0.670  0.897  0.913  0.974  0.992  0.998  0.998  0.998  1.000  1.000
#                recall  1.000  1.000  1.000  1.000  1.000  1.000  1.000  1.000  0.989  0.963  0.953
#   nearest      prec.   0.995  0.996  0.997  0.999  0.999  0.999  0.999  0.999  0.999  1.000  1.000
#                recall  0.999  0.999  0.999  0.999  0.999  0.999  0.999  0.999  0.989  0.963  0.953
# Single link chains message-only bugs of one type that share most words below 0.78; above 0.82 renamed
# wrappers and messages with a missed parameter split (both methods). Nearest neighbour (k=1, like
# Sentry's Seer) barely depends on the threshold and held up at scale (1,700 bugs, 100k events:
# nearest P 0.995 R 0.999, single link P 0.980 R 1.000), so: nearest, at 0.80 (middle of the plateau).
# The blocking rules (same type, same crash line) are never relaxed by either.
SIMILARITY_THRESHOLD = 0.80
METHOD = "nearest"


@dataclass(frozen=True)
class ClusterSettings:
    similarity_threshold: float = SIMILARITY_THRESHOLD
    method: str = METHOD
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
        if settings.method not in ("single_link", "nearest"):
            raise ValueError("clusters.method must be 'single_link' or 'nearest'")
        if settings.quiet_days < 1:
            raise ValueError("clusters.quiet_days must be >= 1")
        return settings
