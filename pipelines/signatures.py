"""Dagster definitions of the signatures stage: error fingerprints and log templates (both incremental)."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from models.warehouse import read_sql
from pipelines.compute import ComputeResource
from pipelines.resources import HindsightConfigResource, warehouse_connection


@dg.asset(
    group_name="signatures",
    compute_kind="duckdb",
    deps=["sentry_events", "log_records"],
    description="Sentry-style fingerprint of every error event (core.event_fingerprints); only new events, "
    "and events fingerprinted under another grouping version (changed rules).",
)
def event_fingerprints(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, hindsight: HindsightConfigResource
) -> dg.MaterializeResult:
    from models.signatures import fingerprint_events
    from models.signatures.versions import fingerprint_grouping

    config = hindsight.load()
    with warehouse_connection(duckdb) as con:
        new = fingerprint_events(con, config)
        total, distinct = con.execute(
            "SELECT count(*), count(DISTINCT fingerprint) FROM core.event_fingerprints"
        ).fetchone()
    context.log.info(f"fingerprinted {new} events (new, or made by another grouping version)")
    return dg.MaterializeResult(
        metadata={"events_fingerprinted": new, "events_total": total, "distinct_fingerprints": distinct,
                  "grouping_version": fingerprint_grouping(config).version}
    )


@dg.asset(
    group_name="signatures",
    compute_kind="duckdb",
    deps=["log_records"],
    description="Log templates (core.log_templates) and the template of every log record; ids are stable.",
)
def log_templates(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, hindsight: HindsightConfigResource
) -> dg.MaterializeResult:
    from models.compute.settings import ComputeSettings
    from models.compute.templates import cluster_typer
    from models.signatures import mine_templates
    from models.signatures.templates import type_messages
    from models.signatures.versions import template_grouping

    config = hindsight.load()
    # the cluster is connected to before the warehouse is opened: an unreachable scheduler writes nothing
    with ComputeResource().runner(config) as runner, warehouse_connection(duckdb) as con:
        compute = ComputeSettings.from_config(config)
        typer = (cluster_typer(runner, compute.output_root(config), tmp_max_age_s=compute.tmp_max_age_s)
                 if runner is not None else type_messages)  # [compute] mode = "dask": typing on the workers
        new = mine_templates(con, config, typer)
        templates, records = con.execute(
            "SELECT (SELECT count(*) FROM core.log_templates), (SELECT count(*) FROM core.log_record_templates)"
        ).fetchone()
    context.log.info(f"templated {new} log records (new, or made by another grouping version)")
    return dg.MaterializeResult(
        metadata={"records_templated": new, "templates_total": templates, "records_total": records,
                  "grouping_version": template_grouping().version}
    )


@dg.asset_check(asset=event_fingerprints, description="Every event has a fingerprint.")
def every_event_fingerprinted(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        missing = con.execute(read_sql("queries/signatures/check_events_without_fingerprint")).fetchone()[0]
    return dg.AssetCheckResult(passed=missing == 0, metadata={"events_without_fingerprint": missing})


@dg.asset_check(asset=log_templates, description="Every log record has a template that exists.")
def every_record_templated(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        missing, dangling = con.execute(
            read_sql("queries/signatures/check_records_without_template")
        ).fetchone()
    return dg.AssetCheckResult(
        passed=missing == 0 and dangling == 0,
        metadata={"records_without_template": missing, "records_with_unknown_template": dangling},
    )


assets: list = [event_fingerprints, log_templates]
asset_checks: list = [every_event_fingerprinted, every_record_templated]

# This stage's part of the platform; pipelines/definitions.py merges every stage's.
defs = dg.Definitions(assets=assets, asset_checks=asset_checks)
