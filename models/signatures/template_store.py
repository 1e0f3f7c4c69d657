"""The template miner over the warehouse: `core.log_records` → `core.log_templates` + `core.log_record_templates`.

Incremental: only records without a template row are mined; the miner state (pattern → template id)
lives in `core.log_template_patterns`, so ids are stable across runs and processes.
"""

from __future__ import annotations

import duckdb
import polars as pl

from models.config import Config
from models.signatures.templates import MINER_VERSION, MinerState, mine_messages
from models.warehouse import read_sql, run_sql_file

Q = "queries/signatures/"


def load_state(con: duckdb.DuckDBPyConnection) -> MinerState:
    rows = con.execute(read_sql(Q + "select_template_state")).fetchall()
    state = MinerState()
    for pattern, template_id, template in rows:
        state.patterns[pattern] = template_id
        state.templates[template_id] = template
    return state


def mine_templates(con: duckdb.DuckDBPyConnection, config: Config | None = None) -> int:
    """Template every log record that has none yet; returns the number of records templated.

    `config` is accepted for symmetry with the other stages: the miner has one configuration for
    every source on purpose (no per-source tuning).
    """
    records = con.sql(read_sql(Q + "select_unmined_log_records")).pl()
    if records.height == 0:
        return 0
    state = load_state(con)
    known = set(state.patterns)
    mined, state = mine_messages(records["message"], state)
    run = pl.concat([records.select("record_id", "ts"), mined], how="horizontal")
    new_patterns = (
        mined.select("pattern", "template_id").unique("pattern").filter(~pl.col("pattern").is_in(list(known)))
    )
    run_templates = run.group_by("template_id").agg(
        pl.col("template").first(),
        pl.len().alias("n"),
        pl.col("ts").min().alias("first_seen"),
        pl.col("ts").max().alias("last_seen"),
    )
    con.execute("BEGIN")
    try:
        con.register("new_patterns", new_patterns.to_arrow())
        con.register("run_templates", run_templates.to_arrow())
        con.register("run_records", run.select("record_id", "template_id").to_arrow())
        run_sql_file(con, Q + "upsert_log_templates", [MINER_VERSION])
        run_sql_file(con, Q + "insert_template_patterns")
        run_sql_file(con, Q + "insert_log_record_templates")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("new_patterns", "run_templates", "run_records"):
            con.unregister(name)
    return records.height
