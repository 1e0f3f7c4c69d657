"""Dagster definitions of the sources stage: one asset per source table, a landing sensor, asset checks.

Why the source assets are NOT partitioned by day: ingestion is file-driven, not time-driven. A file
lands whenever an exporter writes it and may hold events of many days (or of a day already loaded),
and the ledger (`core.ingest_files`, keyed by the file's sha256) already makes every run
exactly-once: a materialization loads the files not yet in the ledger, whatever their dates.
Day partitions here would either re-read every file for every day or need a file->day map, and a
"re-process one day" backfill would have to delete rows shared with other files. The day
partitioning belongs to the downstream daily aggregates (cluster_daily, failure rates), where a day
is a clean unit of recomputation.
"""


import hashlib
import json
from contextlib import nullcontext
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from models.sources.ingest import SOURCES, list_files, totals
from pipelines.compute import ComputeResource, ingest_sentry
from pipelines.resources import HindsightConfigResource, warehouse_connection
from pipelines.warehouse_state import ingested_files, read_only_state

ASSET_OF_SOURCE = {"sentry": "sentry_events", "logs": "log_records", "incidents": "incidents"}
QUARANTINE_RATE_MAX = 0.05  # of the records read in the last day's files
FRESHNESS_DAYS = 7


def _ingest(context: dg.AssetExecutionContext, duckdb: DuckDBResource, hindsight: HindsightConfigResource,
            source: str, compute: ComputeResource | None = None) -> dg.MaterializeResult:
    from models.sources.ingest import ingest_source

    config = hindsight.load()
    failed: list[tuple[Path, Exception]] = []
    on_error = lambda file, exc: failed.append((file, exc))
    # the cluster is connected to before the warehouse is opened: an unreachable scheduler writes nothing
    with (compute.runner(config) if compute else nullcontext()) as runner, warehouse_connection(duckdb) as con:
        if runner is not None:  # [compute] mode = "dask": the transform runs on the cluster's workers
            reports = ingest_sentry(con, config, runner, on_error=on_error)
        else:
            reports = ingest_source(con, config, source, on_error=on_error)
    for file, exc in failed:  # the other files loaded; this one stays in the landing folder and is retried
        context.log.error(f"not ingested: {exc}")
    for r in reports:
        if not r.already_ingested:
            context.log.info(
                f"{r.path}: read {r.read}, loaded {r.loaded}, duplicate {r.duplicate}, ignored {r.ignored}, "
                f"quarantined {r.quarantined}"
            )
    t = totals(reports)
    new_files = [r for r in reports if not r.already_ingested]
    return dg.MaterializeResult(
        metadata={
            "landing_folder": str(Path(config.landing_dir) / source),
            "files_seen": t["files"],
            "files_new": len(new_files),
            "records_read": sum(r.read for r in new_files),
            "records_loaded": sum(r.loaded for r in new_files),
            "records_duplicate": sum(r.duplicate for r in new_files),
            "records_ignored": sum(r.ignored for r in new_files),
            "records_quarantined": sum(r.quarantined for r in new_files),
            "files_failed": len(failed),
        },
        check_results=[dg.AssetCheckResult(
            check_name=_readable_check_name(source), passed=not failed,
            metadata={"files_failed": len(failed), "errors": dg.MetadataValue.json([str(e) for _, e in failed][:50])},
        )],
    )


def _readable_check_name(source: str) -> str:
    return f"{ASSET_OF_SOURCE[source]}_files_readable"


def _readable_check(source: str) -> list[dg.AssetCheckSpec]:
    """Reported by the asset itself: a landing file that cannot be ingested at all (no line format for a
    text log, unreadable, ...) fails this check; the other files still load and the run goes on."""
    return [dg.AssetCheckSpec(_readable_check_name(source), asset=ASSET_OF_SOURCE[source],
                              description=f"Every file in the {source} landing folder could be ingested.")]


@dg.asset(group_name="sources", compute_kind="duckdb", check_specs=_readable_check("sentry"),
          description="Sentry error events, exceptions and frames "
          "(core.events/exceptions/frames) from data/landing/sentry/.")
def sentry_events(context: dg.AssetExecutionContext, duckdb: DuckDBResource,
                  hindsight: HindsightConfigResource) -> dg.MaterializeResult:
    return _ingest(context, duckdb, hindsight, "sentry", ComputeResource())  # [compute] of hindsight.toml


@dg.asset(group_name="sources", compute_kind="duckdb", check_specs=_readable_check("logs"),
          description="Structured and plain-text log records "
          "(core.log_records; tracebacks become events) from data/landing/logs/.")
def log_records(context: dg.AssetExecutionContext, duckdb: DuckDBResource,
                hindsight: HindsightConfigResource) -> dg.MaterializeResult:
    return _ingest(context, duckdb, hindsight, "logs")


@dg.asset(group_name="sources", compute_kind="duckdb", check_specs=_readable_check("incidents"),
          description="Incident exports (core.incidents) from "
          "data/landing/incidents/.")
def incidents(context: dg.AssetExecutionContext, duckdb: DuckDBResource,
              hindsight: HindsightConfigResource) -> dg.MaterializeResult:
    return _ingest(context, duckdb, hindsight, "incidents")


# -- checks ------------------------------------------------------------------------------------------


@dg.asset_check(asset=sentry_events, description="Every event id appears once in core.events.")
def no_duplicate_event_ids(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse_connection(duckdb) as con:
        total, distinct = con.execute("SELECT count(*), count(DISTINCT event_id) FROM core.events").fetchone()
    return dg.AssetCheckResult(passed=total == distinct, metadata={"events": total, "duplicates": total - distinct})


def _quarantine_check(source: str, asset):
    @dg.asset_check(
        asset=asset, name=f"{ASSET_OF_SOURCE[source]}_quarantine_rate",
        description=f"Quarantined records < {QUARANTINE_RATE_MAX:.0%} of the records read from the {source} files "
        "ingested in the last 24 hours.",
    )
    def check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with warehouse_connection(duckdb) as con:
            read, quarantined = con.execute(
                "SELECT coalesce(sum(records_read), 0), coalesce(sum(records_quarantined), 0) FROM core.ingest_files "
                "WHERE source = ? AND finished_at >= (SELECT max(finished_at) FROM core.ingest_files WHERE source = ?)"
                " - INTERVAL 1 DAY",
                [source, source],
            ).fetchone()
        rate = quarantined / read if read else 0.0
        return dg.AssetCheckResult(
            passed=rate < QUARANTINE_RATE_MAX,
            metadata={"records_read": int(read), "records_quarantined": int(quarantined), "rate": round(rate, 4),
                      "threshold": QUARANTINE_RATE_MAX},
        )

    return check


def _freshness_check(source: str, asset, table: str, column: str):
    @dg.asset_check(
        asset=asset, name=f"{ASSET_OF_SOURCE[source]}_freshness",
        description=f"The newest {table} row is at most {FRESHNESS_DAYS} days old (warning only).",
    )
    def check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with warehouse_connection(duckdb) as con:
            newest, age_h = con.execute(
                f"SELECT max({column}), date_diff('hour', max({column}), CAST(now() AT TIME ZONE 'UTC' AS TIMESTAMP)) "
                f"FROM core.{table}"
            ).fetchone()
        fresh = newest is not None and age_h <= FRESHNESS_DAYS * 24
        return dg.AssetCheckResult(
            passed=fresh, severity=dg.AssetCheckSeverity.WARN,
            metadata={"newest": str(newest), "age_hours": age_h if age_h is not None else -1,
                      "max_age_days": FRESHNESS_DAYS},
        )

    return check


_ASSETS = {"sentry": sentry_events, "logs": log_records, "incidents": incidents}
_NEWEST = {"sentry": ("events", "ts"), "logs": ("log_records", "ts"), "incidents": ("incidents", "started_at")}

# -- sensor ------------------------------------------------------------------------------------------

ingest_sources_job = dg.define_asset_job(
    "ingest_sources", selection=dg.AssetSelection.assets(sentry_events, log_records, incidents)
)


def landing_state(landing_dir: Path) -> dict[str, dict[str, str]]:
    """{source: {path: "mtime_ns:size"}} of the files now in the landing folders."""
    state: dict[str, dict[str, str]] = {}
    for source in SOURCES:
        folder = Path(landing_dir) / source
        files = list_files(folder) if folder.is_dir() else []
        state[source] = {str(p): f"{p.stat().st_mtime_ns}:{p.stat().st_size}" for p in files}
    return state


@dg.sensor(job=ingest_sources_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Requests a run of the matching source asset when a file lands in `data/landing/SOURCE/` "
           "whose content the ingest ledger (`core.ingest_files`) does not hold yet (cursor: path -> mtime:size).")
def landing_sensor(context: dg.SensorEvaluationContext, hindsight: HindsightConfigResource, duckdb: DuckDBResource):
    config = hindsight.load()
    seen = json.loads(context.cursor) if context.cursor else {}
    now = landing_state(config.landing_dir)
    requests, known = [], 0
    with read_only_state(duckdb.database) as ledger:
        for source, files in now.items():
            changed = {p: sig for p, sig in files.items() if seen.get(source, {}).get(p) != sig}
            in_ledger = ingested_files(ledger, changed)  # already loaded (e.g. by `hindsight ingest`): no run
            known += len(in_ledger)
            new = sorted(set(changed) - in_ledger)
            if new:
                requests.append(
                    dg.RunRequest(
                        run_key=f"{source}:" + hashlib.md5(json.dumps([(p, files[p]) for p in new]).encode()).hexdigest(),
                        asset_selection=[dg.AssetKey(ASSET_OF_SOURCE[source])],
                        tags={"hindsight/source": source, "hindsight/new_files": str(len(new))},
                    )
                )
    context.update_cursor(json.dumps(now, sort_keys=True))
    if not requests:
        return dg.SkipReason(f"no new file under {config.landing_dir}"
                             + (f" ({known} changed file(s) already in the ingest ledger)" if known else ""))
    return requests


assets: list = [sentry_events, log_records, incidents]
asset_checks: list = [
    no_duplicate_event_ids,
    *(_quarantine_check(s, _ASSETS[s]) for s in SOURCES),
    *(_freshness_check(s, _ASSETS[s], *_NEWEST[s]) for s in SOURCES),
]
sensors: list = [landing_sensor]
jobs: list = [ingest_sources_job]

# This stage's part of the platform; pipelines/definitions.py merges every stage's.
defs = dg.Definitions(assets=assets, asset_checks=asset_checks, sensors=sensors, jobs=jobs)
