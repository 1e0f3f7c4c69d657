"""Compute layer: the heavy, embarrassingly parallel steps as pure tasks with content-hash named output,
and the single committer that loads that output into the warehouse (README "Beyond one machine").

- `settings`: the `[compute]` section (`mode = "local" | "dask"`, `scheduler`, shared `path`, the
  engine-thread budget of a task `task_threads`);
- `naming`: a task's output folder, named by the content hash of its input, written atomically; the
  sweep of unfinished folders that killed tasks left;
- `sentry`: Sentry files (scrub, validate, parse, flatten) -> Parquet parts, and their commit through
  the ingest ledger, dedupe and transaction of the embedded run;
- `templates`: log-template typing per partition and the split-independent merge of the partial sets.

No Dagster, no Dask here: the runner that executes tasks (in-process or on a Dask cluster) is
`pipelines/compute.py`.
"""

from models.compute.settings import ComputeError, ComputeSettings

__all__ = ["ComputeError", "ComputeSettings"]
