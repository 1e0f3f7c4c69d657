"""Dagster definitions of the risk stage: the `change_risk` asset and its check.

Thin shell over `models.risk.service.update_all`: per configured repository it reads new hunks, runs
SZZ on new fix commits, scans new commits with the latest released rule pack, and — only when an input
changed — stores a new feature set, trains a new model version and scores every commit with it.
`rule_pack` runs after this asset, so a released pack carries the current models (risk/<repo>.json);
the pack this asset scans with is therefore the previous release (none on the very first run).
(No `from __future__ import annotations`: Dagster reads the real annotation of `context`.)
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from models.risk.service import update_all
from models.warehouse import read_sql
from pipelines.resources import HindsightConfigResource, warehouse_connection


@dg.asset(
    name="change_risk",
    group_name="risk",
    deps=["commits", "suspect_commits", "incident_clusters"],
    kinds={"scikitlearn", "git", "duckdb"},
    description="Per repository: just-in-time defect model (Kamei features + AI lines + production failures + "
    "rule-pack findings), calibrated, retrained only when an input changed; every commit scored with reasons "
    "(core.risk_models, core.risk_scores; views change_risk, risk_models).",
)
def change_risk_asset(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, hindsight: HindsightConfigResource
) -> dg.MaterializeResult:
    config = hindsight.load()
    if not config.repositories:
        context.log.warning("no [[repositories]] configured: nothing to score")
    with warehouse_connection(duckdb) as con:
        results = update_all(con, config)
    for r in results:
        context.log.info(
            f"{r['repo']}: {r['mode']} (model v{r.get('version')}), {r['scored']} scored, {r['seconds']} s"
        )
    return dg.MaterializeResult(
        metadata={
            "repositories": len(results),
            "trained": sum(r["mode"] == "trained" for r in results),
            "unchanged": sum(r["mode"] == "unchanged" for r in results),
            "scored": sum(r["scored"] for r in results),
            "per_repository": dg.MetadataValue.json(results),
        }
    )


@dg.asset_check(
    asset="change_risk",
    name="every_commit_scored",
    description="Every non-merge commit of a repository with a model has a score from its latest model version.",
)
def every_commit_scored(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse_connection(duckdb) as con:
        missing = con.sql(read_sql("queries/risk/count_unscored_commits")).fetchall()
    total = sum(n for _, n in missing)
    return dg.AssetCheckResult(
        passed=total == 0,
        metadata={"unscored_commits": total, "per_repository": dg.MetadataValue.json(dict(missing))},
    )


assets: list = [change_risk_asset]
asset_checks: list = [every_commit_scored]

# This stage's part of the platform; pipelines/definitions.py merges every stage's.
defs = dg.Definitions(assets=assets, asset_checks=asset_checks)
