"""Suspect commits per cluster: blame-based scores (SQL), refined by SZZ when a fix is found, and a
reintroduced bug put on the commit that brought it back.

Reintroduction: a cluster whose crash lines were written by an older commit A (earlier events) and a
younger commit R (later events), where a commit between them changed A's crash line (the first fix,
found as in fix detection: formatting-only edits and `.git-blame-ignore-revs` do not count) and R
came after that fix: the bug went away and R brought it back, so R is ranked first (method
`reintroduced`; the evidence names A and the fix) whatever the event counts say.
"""

from __future__ import annotations

import json
import logging

import duckdb
import polars as pl

from models.attribution.gitrepo import GitError, GitRepo, open_repositories
from models.attribution.szz import find_fix_commit, szz
from models.config import Config
from models.warehouse import execute, read_sql, run_sql_file, unit_of_work

log = logging.getLogger(__name__)

SCORING = ("top_n", "decay", "secondary", "max_depth")  # the [attribution] settings the scoring SQL takes
_SCHEMA = {
    "cluster_id": pl.Utf8,
    "repo": pl.Utf8,
    "commit_sha": pl.Utf8,
    "rank": pl.Int32,
    "score": pl.Float64,
    "method": pl.Utf8,
    "evidence": pl.Utf8,
    "fix_commit": pl.Utf8,
}


def _settings(config: Config, overrides: dict) -> dict:
    return {k: overrides.get(k, getattr(config.attribution, k)) for k in SCORING}


def _refine(rows: list[dict], fix: str, fix_release: str | None, result) -> list[dict]:
    """Apply an SZZ result to one cluster's ranked rows: record the fix; the SZZ introducer goes first."""
    for r in rows:
        r["fix_commit"] = fix
    intro = result.introducer if result else None
    if intro is None:
        return rows
    top = rows[0]["score"]
    match = next((r for r in rows if r["commit_sha"] == intro), None)
    szz_evidence = {
        "fix_commit": fix,
        "fix_release": fix_release,
        "candidates": result.candidates,
        "lines": result.lines[:10],
    }
    if match is None:
        # Not among the blame candidates: a new row (rows is never empty: only scored clusters get here).
        match = {**rows[0], "commit_sha": intro, "evidence": json.dumps({"szz": szz_evidence})}
        rows.insert(0, match)
    else:
        rows.remove(match)
        ev = json.loads(match["evidence"] or "{}")
        ev["szz"] = szz_evidence
        match["evidence"] = json.dumps(ev)
        rows.insert(0, match)
    match.update(method="szz", score=max(top, match["score"]), fix_commit=fix)
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    return rows


def _reintroduced(rows: list[dict], sites: list[tuple], git: GitRepo) -> list[dict]:
    """Rank the commit that reintroduced a fixed bug first (see the module docstring)."""
    by_commit = {r["commit_sha"]: r for r in rows}
    # sites: (commit, first_seen, last_seen, first_revision, last_revision, last_path, last_line), oldest first
    for i, (orig, _f, orig_last, _fr, orig_rev, path, line) in enumerate(sites):
        for again, again_first, _l, again_rev, *_ in sites[i + 1 :]:
            if again_first < orig_last or again not in by_commit or again == orig or again_rev == orig_rev:
                continue
            fix = find_fix_commit(git, orig_rev, again_rev, path, line)
            if fix is None or fix == again or not git.is_ancestor(fix, again):
                continue
            top = rows[0]["score"]
            match = by_commit[again]
            rows.remove(match)
            ev = json.loads(match["evidence"] or "{}")
            ev["reintroduced"] = {"original_commit": orig, "fix_commit": fix, "original_revision": orig_rev}
            match.update(method="reintroduced", score=max(top, match["score"]), evidence=json.dumps(ev))
            rows.insert(0, match)
            for k, r in enumerate(rows, start=1):
                r["rank"] = k
            return rows
    return rows


SCORING_VERSION = 4  # bump when scoring or fix detection changes: stored scores are then recomputed


def _digest(con: duckdb.DuckDBPyConnection, settings: dict) -> str:
    key = json.dumps({**settings, "version": SCORING_VERSION}, sort_keys=True)
    return con.sql(
        read_sql("queries/attribution/select_suspect_inputs_digest"), params={"settings": key}
    ).fetchall()[0][0]


def score_suspects(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    *,
    gits: dict[str, GitRepo] | None = None,
    force: bool = False,
    **overrides,
) -> dict:
    """Rank suspect commits for every cluster (`core.suspect_commit_scores`, rewritten as a whole).

    Settings (keyword or `[attribution]` in hindsight.toml): `top_n` (5), `decay` per outer frame (0.5),
    `secondary` weight of chained exceptions (0.5), `max_depth` frames per exception (25).
    Skipped (unless `force`) when no input changed since the last run (`core.attribution_state`).
    Returns `{"clusters", "suspects", "fixes", "szz_refined", "reintroduced", "skipped"}`.
    """
    s = _settings(config, overrides)
    stored = con.execute(read_sql("queries/attribution/select_state"), ["suspects"]).fetchall()
    if not force and stored and stored[0][0] == _digest(con, s):
        n = con.sql(read_sql("queries/attribution/count_suspect_scores")).fetchall()[0]
        return {
            "clusters": n[0], "suspects": n[1], "fixes": n[2], "szz_refined": n[3], "reintroduced": n[4],
            "skipped": True,
        }  # fmt: skip
    scores = con.sql(read_sql("queries/attribution/select_suspect_scores"), params=s).pl()
    by_cluster: dict[str, list[dict]] = {}
    for row in scores.iter_rows(named=True):  # clusters x top_n rows: small
        by_cluster.setdefault(row["cluster_id"], []).append(row)

    fixes = refined = 0
    fix_clusters = con.sql(read_sql("queries/attribution/select_fix_clusters")).to_arrow_table()
    cands = []
    if fix_clusters.num_rows:
        cands = execute(con, read_sql("queries/attribution/select_fix_candidates"), attr_fix_clusters=fix_clusters).fetchall()
    if cands:
        own = gits is None
        gits = gits if gits is not None else open_repositories(con, config)
        try:
            done: set[str] = set()
            for cluster_id, repo, last_rev, fix_rev, fix_release, first_seen, path, line in cands:
                if cluster_id in done or cluster_id not in by_cluster or repo not in gits:
                    continue
                git = gits[repo]
                try:
                    fix = find_fix_commit(git, last_rev, fix_rev, path, line)
                    if fix is None:
                        continue
                    crash_lines = git.file_lines(last_rev, path) or []
                    crash_text = crash_lines[line - 1] if line <= len(crash_lines) else None
                    result = szz(git, fix, path, first_seen, crash_text)
                except GitError as exc:
                    log.warning("fix detection failed for cluster %s: %s", cluster_id, exc)
                    continue
                done.add(cluster_id)
                fixes += 1
                refined += result.introducer is not None
                by_cluster[cluster_id] = _refine(by_cluster[cluster_id], fix, fix_release, result)
        finally:
            if own:
                for g in gits.values():
                    g.close()

    reintroduced = 0
    multi = con.sql(read_sql("queries/attribution/select_crash_site_commits")).fetchall()
    if multi:
        sites: dict[tuple[str, str], list[tuple]] = {}
        for cluster_id, repo, *site in multi:
            sites.setdefault((cluster_id, repo), []).append(tuple(site))
        own = gits is None
        gits = gits if gits is not None else open_repositories(con, config)
        try:
            for (cluster_id, repo), commits in sites.items():
                rows = by_cluster.get(cluster_id)
                if not rows or repo not in gits or rows[0]["method"] == "szz":
                    continue
                try:
                    by_cluster[cluster_id] = _reintroduced(rows, commits, gits[repo])
                except GitError as exc:
                    log.warning("reintroduction check failed for cluster %s: %s", cluster_id, exc)
                    continue
                reintroduced += by_cluster[cluster_id][0]["method"] == "reintroduced"
        finally:
            if own:
                for g in gits.values():
                    g.close()

    rows = [r for rs in by_cluster.values() for r in rs[: s["top_n"]]]
    frame = pl.DataFrame(rows, schema=_SCHEMA) if rows else pl.DataFrame(schema=_SCHEMA)
    with unit_of_work(con, attr_suspects=frame.select(list(_SCHEMA))):
        run_sql_file(con, "queries/attribution/delete_suspect_scores")
        run_sql_file(con, "queries/attribution/insert_suspect_scores")
    run_sql_file(con, "queries/attribution/upsert_state", ["suspects", _digest(con, s)])
    return {
        "clusters": len(by_cluster),
        "suspects": len(rows),
        "fixes": fixes,
        "szz_refined": refined,
        "reintroduced": reintroduced,
        "skipped": False,
    }
