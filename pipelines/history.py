"""Dagster definitions of the history stage: the `commits` asset and the `new_commits_sensor`.

The asset ingests every configured repository incrementally (commits, files, AI origin, git-ai
notes, releases); it is refreshed by the daily pipeline schedule, and the sensor requests a run as
soon as a repository's default-branch head, tags or AI notes move.
(No `from __future__ import annotations`: Dagster reads the real annotation of `context`.)
"""

import hashlib
import json

import dagster as dg
from dagster_duckdb import DuckDBResource

from models.history import git, ingest_all
from pipelines.resources import HindsightConfigResource, warehouse_connection


@dg.asset(
    name="commits",
    group_name="history",
    kinds={"git", "duckdb"},
    description="Commits, changed files, AI origin, git-ai line ranges and releases of every configured "
    "repository (tables core.commits, core.commit_files, core.commit_ai, core.ai_line_ranges, core.releases).",
)
def commits_asset(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, hindsight: HindsightConfigResource
) -> dg.MaterializeResult:
    config = hindsight.load()
    if not config.repositories:
        context.log.warning("no [[repositories]] configured: nothing to ingest")
    with warehouse_connection(duckdb) as con:
        results = ingest_all(con, config)
    for r in results:
        context.log.info(f"{r['repo']}: {r['mode']}, {r['commits_new']} new commits ({r['seconds']} s)")
    return dg.MaterializeResult(
        metadata={
            "repositories": len(results),
            "commits_new": sum(r["commits_new"] for r in results),
            "commits_total": sum(r["commits_total"] for r in results),
            "ai_authored_total": sum(r["ai_authored_total"] for r in results),
            "ai_committed_only_total": sum(r["ai_committed_only_total"] for r in results),
            "releases_total": sum(r["releases_total"] for r in results),
            "commits_degraded_total": sum(r.get("commits_degraded_total", 0) for r in results),
            "per_repository": dg.MetadataValue.json(results),
        }
    )


def repository_fingerprints(config) -> dict[str, str]:
    """Per repository, a digest of its head, tags and notes ref: changes exactly when there is news."""
    out = {}
    for repo in config.repositories:
        try:
            state = [
                git.branch_head(repo.path, repo.default_branch),
                sorted(git.tag_tips(repo.path)),
                git.notes_head(repo.path),
            ]
        except git.GitError as exc:  # a missing repository is reported by the asset, not the sensor
            state = [f"error: {exc}"]
        out[repo.name] = hashlib.sha256(json.dumps(state).encode()).hexdigest()[:16]
    return out


@dg.sensor(
    name="new_commits_sensor",
    asset_selection=dg.AssetSelection.assets("commits"),
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Requests a `commits` run when a configured repository's head, tags or AI notes moved.",
)
def new_commits_sensor(context: dg.SensorEvaluationContext, hindsight: HindsightConfigResource):
    current = repository_fingerprints(hindsight.load())
    previous = json.loads(context.cursor) if context.cursor else {}
    moved = sorted(name for name, fp in current.items() if previous.get(name) != fp)
    context.update_cursor(json.dumps(current, sort_keys=True))
    if not moved:
        return dg.SkipReason("no repository moved since the last check")
    run_key = hashlib.sha256(json.dumps(current, sort_keys=True).encode()).hexdigest()[:16]
    return dg.RunRequest(
        run_key=run_key, tags={"hindsight/trigger": "sensor", "hindsight/repos": ",".join(moved)}
    )


assets: list = [commits_asset]
asset_checks: list = []
sensors: list = [new_commits_sensor]
schedules: list = []
jobs: list = []
