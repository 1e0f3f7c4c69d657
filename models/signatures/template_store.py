"""The template miner over the warehouse: `core.log_records` → `core.log_templates` + `core.log_record_templates`.

Incremental: only records without a template of the current grouping version are mined; the miner
state (pattern → template id) lives in `core.log_template_patterns`, so ids are stable across runs and
processes. Two things replace a template id, each recorded in `core.signature_lineage` (through which
clusters carry over):

- **templates merged**: new lines show that templates found earlier are one (a word position turned
  out to be a parameter); the one with the most patterns survives, the others' records move to it, and
  mining in many small runs groups like mining everything at once;
- **grouping changed**: the miner's version or settings changed (`versions.py`); every record is mined
  again from scratch, a new template keeps the id most of its records had, and ids left without
  records are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import duckdb
import polars as pl

from models.config import Config
from models.signatures.templates import (
    DEFAULT_SETTINGS,
    MINER_VERSION,
    MinerState,
    mine_messages,
    type_messages,
)
from models.signatures.versions import register, template_grouping
from models.warehouse import read_sql, run_sql_file, unit_of_work

Q = "queries/signatures/"
_RELATIONS = ("new_patterns", "run_templates", "run_records", "template_merges", "regrouped")


def load_state(con: duckdb.DuckDBPyConnection, version: str) -> MinerState:
    state = MinerState(settings=DEFAULT_SETTINGS)
    for pattern, template_id, template in run_sql_file(con, Q + "select_template_state", {"version": version}).fetchall():
        state.patterns[pattern] = template_id
        state.templates[template_id] = template
    state.retired = {r[0] for r in run_sql_file(con, Q + "select_retired_template_ids").fetchall()}
    state.reserved = {r[0] for r in con.execute("SELECT template_id FROM core.log_templates").fetchall()}
    return state


def mine_templates(con: duckdb.DuckDBPyConnection, config: Config | None = None,
                   typer: Callable[[pl.Series], pl.Series] = type_messages) -> int:
    """Template every log record that has no template of the current grouping version; returns how many.

    `config` is accepted for symmetry with the other stages: the miner has one configuration for
    every source on purpose (no per-source tuning). `typer`: see `mine_messages` (the compute layer
    passes one that types on a Dask cluster)."""
    version = register(con, template_grouping(DEFAULT_SETTINGS))
    records = con.sql(read_sql(Q + "select_unmined_log_records"), params={"version": version}).pl()
    if records.height == 0:
        return 0
    regrouping = records["old_template_id"].null_count() < records.height
    state = load_state(con, version)
    known = set(state.patterns)
    mined, state = mine_messages(records["message"], state, records["old_template_id"] if regrouping else None,
                                 typer)
    run = pl.concat([records.select("record_id", "ts", "old_template_id"), mined], how="horizontal")
    new_patterns = (
        mined.select("pattern", "template_id").unique("pattern").filter(~pl.col("pattern").is_in(list(known)))
    )
    run_templates = run.group_by("template_id").agg(
        pl.col("template").first(),
        pl.len().alias("n"),
        pl.col("ts").min().alias("first_seen"),
        pl.col("ts").max().alias("last_seen"),
    )
    merges = pl.DataFrame(
        {
            "retired": list(state.merged),
            "survivor": list(state.merged.values()),
            "survivor_text": [state.templates[s] for s in state.merged.values()],
        },
        schema={"retired": pl.Utf8, "survivor": pl.Utf8, "survivor_text": pl.Utf8},
    )
    regrouped = (
        run.filter(pl.col("old_template_id").is_not_null() & (pl.col("old_template_id") != pl.col("template_id")))
        .group_by("old_template_id", "template_id")
        .len("n")
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    frames = (new_patterns, run_templates, run.select("record_id", "template_id"), merges, regrouped)
    with unit_of_work(con, **dict(zip(_RELATIONS, frames, strict=True))):
        if regrouping:
            run_sql_file(con, Q + "delete_stale_template_patterns", {"version": version})
        if merges.height:
            run_sql_file(con, Q + "insert_template_merges", {"version": version, "now": now})
            run_sql_file(con, Q + "apply_template_merges")
        run_sql_file(con, Q + "insert_template_patterns", {"version": version})
        run_sql_file(con, Q + "upsert_log_record_templates", {"version": version})
        run_sql_file(con, Q + "upsert_log_templates", {"miner_version": MINER_VERSION, "version": version})
        if regrouping:
            run_sql_file(con, Q + "insert_template_regrouping", {"version": version, "now": now})
            run_sql_file(con, Q + "refresh_log_template_figures")
    return records.height
