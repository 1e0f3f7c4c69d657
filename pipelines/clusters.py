"""Dagster definitions of the clusters stage: thin shells over `models.clusters`."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from models.clusters import (
    build_clusters,
    disappeared_cluster_ids,
    events_without_cluster,
    flag_clusters,
    link_incidents,
)
from pipelines.resources import HindsightConfigResource, warehouse_connection

GROUP = "clusters"


def _metadata(figures: dict) -> dict:
    return {
        k: v if isinstance(v, int | float | str) else dg.MetadataValue.json(v) for k, v in figures.items()
    }


@dg.asset(
    group_name=GROUP,
    deps=["event_fingerprints", "log_templates"],
    description="Signatures (fingerprints, error log templates) assigned to stable cluster ids; merges recorded.",
)
def clusters(duckdb: DuckDBResource, hindsight: HindsightConfigResource) -> dg.MaterializeResult:
    with warehouse_connection(duckdb) as con:
        figures = build_clusters(con, hindsight.load())
    return dg.MaterializeResult(metadata=_metadata(figures))


@dg.asset(group_name=GROUP, deps=[clusters, "suspect_commits"],
          description="New clusters, regressions (quiet gap, or recurrence after a fix commit) and spikes per day.")
def cluster_flags(duckdb: DuckDBResource, hindsight: HindsightConfigResource) -> dg.MaterializeResult:
    with warehouse_connection(duckdb) as con:
        figures = flag_clusters(con, hindsight.load())
    return dg.MaterializeResult(metadata=_metadata(figures))


@dg.asset(
    group_name=GROUP,
    deps=[clusters, "incidents"],
    description="Incidents linked to clusters by trace id, fingerprint, message, service and time window.",
)
def incident_clusters(duckdb: DuckDBResource, hindsight: HindsightConfigResource) -> dg.MaterializeResult:
    with warehouse_connection(duckdb) as con:
        figures = link_incidents(con, hindsight.load())
    return dg.MaterializeResult(metadata=_metadata(figures))


@dg.asset_check(asset=clusters, description="Every error event reaches a cluster (fingerprint -> member).")
def every_error_event_has_a_cluster(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse_connection(duckdb) as con:
        missing, examples = events_without_cluster(con)
    return dg.AssetCheckResult(
        passed=missing == 0,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"events_without_cluster": missing, "examples": dg.MetadataValue.json(examples)},
    )


@dg.asset_check(asset=clusters, description="No cluster id seen by an earlier run has disappeared.")
def no_cluster_id_disappears(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse_connection(duckdb) as con:
        gone = disappeared_cluster_ids(con)
    return dg.AssetCheckResult(
        passed=not gone,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"disappeared": len(gone), "examples": dg.MetadataValue.json(gone[:10])},
    )


assets: list = [clusters, cluster_flags, incident_clusters]
asset_checks: list = [every_error_event_has_a_cluster, no_cluster_id_disappears]

# This stage's part of the platform; pipelines/definitions.py merges every stage's.
defs = dg.Definitions(assets=assets, asset_checks=asset_checks)
