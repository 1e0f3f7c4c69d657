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
from models.history.releases import release_rows
from pipelines.resources import HindsightConfigResource, warehouse_connection
from pipelines.warehouse_state import read_only_state, repository_states


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
            "commits_repaired": sum(r.get("commits_repaired", 0) for r in results),
            "per_repository": dg.MetadataValue.json(results),
        }
    )


def repository_state(repo) -> tuple[str, list[str], str | None, list[list[str]]]:
    """(head, tips, notes head, [release, sha] pairs) of a repository now, as the commit ingest computes them:
    the tips are the head, every tag's commit and every release's commit."""
    head = git.branch_head(repo.path, repo.default_branch)
    tags = git.tag_tips(repo.path)
    releases = release_rows(repo, tags)
    tips = sorted({head, *(sha for _, sha in tags), *releases["sha"].to_list()})
    pairs = sorted([release, sha] for release, sha in releases.select("release", "sha").iter_rows())
    return head, tips, git.notes_head(repo.path), pairs


def repositories_to_ingest(config, stored: dict) -> tuple[dict[str, str], list[str]]:
    """({repository: fingerprint of its state now}, the repositories whose state the warehouse does not hold).

    `stored` is `warehouse_state.repository_states`: a repository whose head, tips and notes equal what the
    last ingest recorded needs no run; one that cannot be read is reported by the asset, so it is requested."""
    fingerprints, behind = {}, []
    for repo in config.repositories:
        try:
            state = repository_state(repo)
        except git.GitError as exc:  # a missing repository is reported by the asset, not the sensor
            fingerprints[repo.name] = hashlib.sha256(f"error: {exc}".encode()).hexdigest()[:16]
            behind.append(repo.name)
            continue
        fingerprints[repo.name] = hashlib.sha256(json.dumps(state).encode()).hexdigest()[:16]
        if stored.get(repo.name) != state:
            behind.append(repo.name)
    return fingerprints, behind


@dg.sensor(
    name="new_commits_sensor",
    asset_selection=dg.AssetSelection.assets("commits"),
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Requests a `commits` run when a configured repository's head, tags or AI notes moved past what "
    "the warehouse holds (`core.repositories`: head, tips and notes of the last ingest).",
)
def new_commits_sensor(context: dg.SensorEvaluationContext, hindsight: HindsightConfigResource,
                       duckdb: DuckDBResource):
    with read_only_state(duckdb.database) as con:
        stored = repository_states(con)
    current, behind = repositories_to_ingest(hindsight.load(), stored)
    previous = json.loads(context.cursor) if context.cursor else {}
    moved = sorted(name for name in behind if previous.get(name) != current[name])
    context.update_cursor(json.dumps(current, sort_keys=True))
    if not moved:
        return dg.SkipReason("every repository is ingested up to its head, tags and notes"
                             if not behind else "a run for the moved repositories was already requested")
    run_key = hashlib.sha256(json.dumps(current, sort_keys=True).encode()).hexdigest()[:16]
    return dg.RunRequest(
        run_key=run_key, tags={"hindsight/trigger": "sensor", "hindsight/repos": ",".join(moved)}
    )


assets: list = [commits_asset]
asset_checks: list = []
sensors: list = [new_commits_sensor]

# This stage's part of the platform; pipelines/definitions.py merges every stage's.
defs = dg.Definitions(assets=assets, asset_checks=asset_checks, sensors=sensors)
