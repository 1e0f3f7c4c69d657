"""The typed settings of each stage: one frozen dataclass per stage section of hindsight.toml.

`models/config.py` reads each section into its class by the field annotations (an unknown key or a wrong
type is a ConfigError naming file, section and key); `__post_init__` checks ranges and raises ValueError,
which the loader reports with the file. Every field carries its documentation (`setting(..., doc=...)`),
from which docs/CONFIGURATION.md is generated (`python -m models.config --reference`; a test keeps it in step).

A new section, e.g. `[compute]`: write `ComputeSettings` here like the ones below, then add one field to
`models.config.Config` (`compute: ComputeSettings = section(ComputeSettings)`) and regenerate the reference.
This module imports nothing of the stages, so loading the configuration stays cheap.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Literal


def setting(default=dataclasses.MISSING, *, doc: str, key: str | None = None, factory=dataclasses.MISSING):
    """A documented field; `key` when the name in the file differs from the attribute's."""
    metadata = {"doc": doc, **({"key": key} if key else {})}
    if factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


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
    """`[clusters]`: grouping signatures into clusters, and the flags and incident links on them."""

    similarity_threshold: float = setting(SIMILARITY_THRESHOLD, doc="similarity at which two signatures join "
                                          "one cluster, in (0, 1]")
    method: Literal["single_link", "nearest"] = setting(METHOD, doc="how a new signature joins: to its nearest "
                                                        "cluster, or to every cluster it links (merging them)")
    quiet_days: int = setting(7, doc="a cluster silent this many days that reappears is a regression")
    spike_baseline_days: int = setting(14, doc="trailing window of the spike baseline, days")
    spike_factor: float = setting(3.0, doc="a day is a spike at >= this many times the baseline mean ...")
    spike_sigmas: float = setting(3.0, doc="... and >= mean + this many standard deviations ...")
    spike_min_events: int = setting(10, doc="... and at least this many events")
    error_levels: tuple[str, ...] = setting(("ERROR", "CRITICAL", "FATAL", "SEVERE", "EMERG", "ALERT", "E", "F"),
                                            doc="log levels that count as errors (case-insensitive)")
    incident_window_before_min: int = setting(30, doc="service/time incident links: minutes before an "
                                              "incident starts")
    incident_window_after_min: int = setting(120, doc="... and after it ends (or starts, when unresolved)")

    def __post_init__(self) -> None:
        object.__setattr__(self, "error_levels", tuple(str(x).upper() for x in self.error_levels))
        if not 0.0 < self.similarity_threshold <= 1.0:
            raise ValueError("clusters.similarity_threshold must be in (0, 1]")
        if self.method not in ("single_link", "nearest"):
            raise ValueError("clusters.method must be 'single_link' or 'nearest'")
        if self.quiet_days < 1:
            raise ValueError("clusters.quiet_days must be >= 1")


@dataclass(frozen=True)
class AttributionSettings:
    """`[attribution]`: ranking suspect commits per cluster, and placing events on a revision."""

    top_n: int = setting(5, doc="suspect commits kept per cluster")
    decay: float = setting(0.5, doc="weight factor per frame further from the crash")
    secondary: float = setting(0.5, doc="weight of chained (cause/context) exceptions")
    max_depth: int = setting(25, doc="frames read per exception")
    time_fallback: bool = setting(False, doc="place events without a revision at the newest default-branch "
                                  "commit before the event (`revision_source = 'time_fallback'`)")


LabelSource = Literal["production", "szz_fix"]


@dataclass(frozen=True)
class RiskSettings:
    """`[risk]`: the change-risk model of each repository."""

    label_sources: tuple[LabelSource, ...] = setting(("production", "szz_fix"),
                                                     doc="what marks a commit as defect-inducing")
    keep_versions: int = setting(3, doc="model versions kept per repository")
    scan_pack: bool = setting(True, doc="scan history with the current rule pack (findings become features)")
    workers: int = setting(2, doc="parallel git blame processes for SZZ")

    def __post_init__(self) -> None:
        if not self.label_sources:
            raise ValueError("risk.label_sources must name 'production' and/or 'szz_fix'")


@dataclass(frozen=True)
class LiveIngestSettings:
    """`[serve]`: `hindsight serve`, the live ingest server (options of the command override these)."""

    host: str = setting("127.0.0.1", doc="address to listen on")
    port: int = setting(8000, doc="port to listen on")
    public_url: str | None = setting(None, doc="the server's URL as apps reach it: what `keys create` puts in "
                                     "the DSN (default http://127.0.0.1:{port})")
    rate_limit: float = setting(1000.0, doc="requests per second per key, 0 = none")
    segment_age_s: float = setting(2.0, doc="seconds a spool segment stays open before it can be ingested")
    keep_spool_files: bool = setting(False, doc="keep ingested spool segments (raw payloads: rotate them yourself)")
    max_connections: int = setting(512, doc="concurrent connections; past it new ones get 503 (bounds memory)")
    keys_file: Path | None = setting(None, doc="the project keys (default `<landing>/.serve/keys.sqlite`)")


@dataclass(frozen=True)
class DashboardSettings:
    """`[dashboard]`: the Streamlit dashboard."""

    dagster_url: str = setting("http://127.0.0.1:3000", doc="where the dashboard links a figure's Dagster "
                               "asset (the `make dev` address)")


COMPUTE_MODES = ("local", "dask")


@dataclass(frozen=True)
class ComputeSettings:
    """`[compute]`: where the parallel stages run (README "Beyond one machine"): `local` (default) in the
    pipeline's process, or `dask` on the cluster whose scheduler is named."""

    mode: str = setting("local", doc="'local' (in the pipeline's process) or 'dask'")
    scheduler: str = setting("", doc="the Dask scheduler, e.g. tcp://10.0.0.5:8786 (required with mode 'dask')")
    path: str = setting("", doc="shared folder of task output that every worker and the committer see "
                        "(default `<landing>/.compute`)")
    connect_timeout_s: float = setting(10.0, doc="seconds to wait for the scheduler before failing the run")
    task_threads: int = setting(1, doc="engine threads (DuckDB, Arrow) one task may use on a worker: the "
                                "thread budget of a `dask worker --nthreads 1` slot, so N workers on N cores "
                                "do not oversubscribe them; 0 = every core of the worker's machine")
    tmp_max_age_s: float = setting(3600.0, doc="a killed task's unfinished output folder (`.*.tmp`) is swept at "
                                   "the start of a run once nothing was written in it for this many seconds "
                                   "(at once when its process is gone, on the same host)")

    def __post_init__(self) -> None:
        if self.mode not in COMPUTE_MODES:
            raise ValueError(f"compute.mode must be one of {', '.join(COMPUTE_MODES)}, not {self.mode!r}")
        if self.mode == "dask" and not self.scheduler.strip():
            raise ValueError('compute.scheduler is required with mode = "dask" (e.g. "tcp://host:8786")')
        if self.connect_timeout_s <= 0:
            raise ValueError(f"compute.connect_timeout_s must be a positive number, not {self.connect_timeout_s!r}")
        if self.task_threads < 0:
            raise ValueError(f"compute.task_threads must be >= 0 (0 = every core), not {self.task_threads!r}")
        if self.tmp_max_age_s <= 0:
            raise ValueError(f"compute.tmp_max_age_s must be a positive number, not {self.tmp_max_age_s!r}")

    @classmethod
    def from_config(cls, config) -> ComputeSettings:
        """The `[compute]` settings of a loaded configuration (defaults without one)."""
        return config.compute if config is not None else cls()

    def output_root(self, config) -> Path:
        """The shared folder of task output (hidden under the landing folder by default: ingest skips it)."""
        if self.path:
            p = Path(self.path).expanduser()
            return p if p.is_absolute() else Path(config.root) / p
        return Path(config.landing_dir) / ".compute"
