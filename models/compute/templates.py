"""Log-template mining in parallel: typing per partition on workers, one grouping of the merged set.

The miner (models/signatures/templates.py) has two steps of very different weight. Typing (step 1)
runs a dozen regexes over every message: the bulk of the cost, and a pure map, message by message.
Grouping (steps 2-3) runs over the distinct typed patterns only (real logs repeat massively), but its
token frequencies are global: grouping partitions separately and merging their templates could not
reproduce the whole-input grouping (a word position is a parameter when it varies ACROSS partitions).

So a partition's task returns its partial pattern set (the typed pattern of each of its messages); the
merge is the union of those sets, and the committer groups the union once, in sorted order
(`mine_messages`). Typing is a per-message function and the union is sorted, so the templates, their
ids and every record's template are exactly those of the sequential miner, whatever the split (tests
check contiguous and interleaved splits).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import polars as pl

from models.compute.naming import owner, sweep_stale, task_key, write_once
from models.signatures.templates import MINER_VERSION, type_messages
from models.sources.ledger import file_sha256

ROWS_PER_TASK = 200_000


def type_partition(input_path: str, output_root: str) -> str:
    """The task: a Parquet file of messages -> `patterns.parquet` (same rows, same order) in a folder
    named by the content hash of the input; idempotent."""
    key = task_key("patterns", input=file_sha256(input_path), miner=MINER_VERSION)

    def fill(tmp: Path) -> dict:
        messages = pl.read_parquet(input_path)["message"]
        pl.DataFrame({"pattern": type_messages(messages)}).write_parquet(tmp / "patterns.parquet")
        return {"rows": messages.len()}

    return str(write_once(Path(output_root), key, fill) / "patterns.parquet")


def partitions(messages: pl.Series, rows: int) -> list[pl.Series]:
    """Contiguous slices of at most `rows` messages (the split does not change the result)."""
    return [messages.slice(start, rows) for start in range(0, messages.len(), rows)] or [messages]


def cluster_typer(runner, root: Path, rows_per_task: int = ROWS_PER_TASK,
                  tmp_max_age_s: float = 3600.0) -> Callable[[pl.Series], pl.Series]:
    """A `typer` for `mine_messages`: the partitions go to the runner's workers through `root` (a shared
    folder), their patterns come back in order; the run's files are removed afterwards (and those of
    killed runs swept first: `naming.sweep_stale`)."""

    def typer(messages: pl.Series) -> pl.Series:
        sweep_stale(Path(root), tmp_max_age_s)
        run = Path(root) / f"typing-{uuid.uuid4().hex}.{owner()}"
        run.mkdir(parents=True, mode=0o700)
        try:
            inputs = []
            for no, part in enumerate(partitions(messages, rows_per_task)):
                path = run / f"input-{no:06d}.parquet"
                pl.DataFrame({"message": part.cast(pl.Utf8)}).write_parquet(path)
                inputs.append(str(path))
            outputs = list(runner.map_ordered(type_partition, [(p, str(run)) for p in inputs]))
            return pl.concat([pl.read_parquet(o)["pattern"] for o in outputs])
        finally:
            shutil.rmtree(run, ignore_errors=True)

    return typer
