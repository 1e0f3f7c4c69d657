"""Data checks of the clusters stage (run as Dagster asset checks, usable on their own)."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from models.warehouse import run_sql_file


def events_without_cluster(con: duckdb.DuckDBPyConnection) -> tuple[int, list[str]]:
    """(number of error events that reach no cluster, up to 10 of their ids)."""
    missing, examples = run_sql_file(con, "queries/clusters/select_events_without_cluster").fetchall()[0]
    return int(missing), list(examples or [])


def disappeared_cluster_ids(con: duckdb.DuckDBPyConnection, *, record: bool = True) -> list[str]:
    """Cluster ids seen by an earlier check and gone now; when none is gone (and `record`), the
    current ids become the checkpoint for the next run."""
    gone = [r[0] for r in run_sql_file(con, "queries/clusters/select_disappeared_cluster_ids").fetchall()]
    if not gone and record:
        run_sql_file(
            con, "queries/clusters/insert_cluster_id_checkpoint", [datetime.now(UTC).replace(tzinfo=None)]
        )
    return gone
