"""Dagster definitions of the attribution stage: frames -> blamed commits -> suspects -> AI figures.

Thin shell over `models.attribution`; every step is incremental (only events without a resolution,
only (revision, file) pairs never blamed), so re-materializing with nothing new is cheap.
(No `from __future__ import annotations`: Dagster reads the real annotation of `context`.)
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from models.attribution import blame_pending, resolve_frames, score_suspects, unresolved_reasons
from models.attribution.gitrepo import open_repositories
from models.warehouse import read_sql
from pipelines.resources import HindsightConfigResource, warehouse_connection


@dg.asset(
    name="frame_attribution",
    group_name="attribution",
    deps=["sentry_events", "log_records", "commits"],
    kinds={"git", "duckdb"},
    description="Every stack frame placed at (repo, revision, path, line) and blamed (git blame -w, cached per "
    "revision and file): core.frame_resolutions, core.blame_lines; view frame_attribution.",
)
def frame_attribution_asset(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, hindsight: HindsightConfigResource
) -> dg.MaterializeResult:
    config = hindsight.load()
    with warehouse_connection(duckdb) as con:
        gits = open_repositories(con, config)
        try:
            resolved = resolve_frames(con, config, gits=gits)
            blamed = blame_pending(con, config, gits=gits)
            outcomes = unresolved_reasons(con)
        finally:
            for g in gits.values():
                g.close()
    context.log.info(f"resolved {resolved}, blamed {blamed}")
    return dg.MaterializeResult(
        metadata={
            "events_new": resolved["events"],
            "frames_new": resolved["frames"],
            "events_inferred": resolved.get("inferred_events", 0),
            "files_blamed": blamed["files_blamed"],
            "blame_cache_hits": blamed["cache_hits"],
            "blame_failed": blamed["failed"],
            "shallow_history": blamed.get("shallow_history", 0),
            "frames_resolved_total": outcomes.get("resolved", 0),
            "outcomes": dg.MetadataValue.json(outcomes),
        }
    )


@dg.asset(
    name="suspect_commits",
    group_name="attribution",
    deps=["frame_attribution", "clusters"],
    kinds={"duckdb"},
    description="Top suspect commits per cluster with scores and evidence; SZZ-refined when a fix shipped "
    "(core.suspect_commit_scores; views suspect_commits, cluster_attribution).",
)
def suspect_commits_asset(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, hindsight: HindsightConfigResource
) -> dg.MaterializeResult:
    config = hindsight.load()
    with warehouse_connection(duckdb) as con:
        stats = score_suspects(con, config)
    context.log.info(f"suspects: {stats}")
    return dg.MaterializeResult(metadata={k: v for k, v in stats.items()})


@dg.asset(
    name="ai_failure_rates",
    group_name="attribution",
    deps=["suspect_commits"],
    kinds={"duckdb"},
    description="Failures per 1,000 lines added, per AI tool and for unknown/human code (view ai_failure_rates).",
)
def ai_failure_rates_asset(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with warehouse_connection(duckdb) as con:
        rel = con.sql(read_sql("queries/attribution/select_ai_failure_rates"))
        cols, rows = rel.columns, rel.fetchall()
    table = [{c: (v.isoformat() if hasattr(v, "isoformat") else v) for c, v in zip(cols, r)} for r in rows]
    return dg.MaterializeResult(metadata={"tools": len(table), "rates": dg.MetadataValue.json(table)})


@dg.asset_check(
    asset="frame_attribution",
    name="resolved_frames_have_blame",
    description="Every resolved frame has a blame row for its line.",
)
def resolved_frames_have_blame(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse_connection(duckdb) as con:
        missing = con.sql(read_sql("queries/attribution/count_resolved_without_blame")).fetchall()[0][0]
    return dg.AssetCheckResult(passed=missing == 0, metadata={"resolved_frames_without_blame": missing})


@dg.asset_check(
    asset="frame_attribution",
    name="unresolved_reasons",
    description="Frames per resolution outcome; warns when fewer than half the in-app frames resolved.",
)
def unresolved_reasons_check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse_connection(duckdb) as con:
        outcomes = unresolved_reasons(con)
    resolved = outcomes.get("resolved", 0)
    app_frames = sum(v for k, v in outcomes.items() if k != "third_party")
    share = resolved / app_frames if app_frames else 1.0
    return dg.AssetCheckResult(
        passed=share >= 0.5,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "resolved_share_of_app_frames": round(share, 4),
            **{f"frames_{k}": v for k, v in outcomes.items()},
        },
    )


assets: list = [frame_attribution_asset, suspect_commits_asset, ai_failure_rates_asset]
asset_checks: list = [resolved_frames_have_blame, unresolved_reasons_check]

# This stage's part of the platform; pipelines/definitions.py merges every stage's.
defs = dg.Definitions(assets=assets, asset_checks=asset_checks)
