"""What production taught, read from the warehouse: per failure class, its clusters, impact and crash sites.

Everything downstream (rules, guidance, evaluation) is built from `gather_evidence`. Only numbers,
ids, dates, sanitized repository paths and the cluster title (untrusted, quoted only) leave here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from models.config import Config
from models.failure_classes import registry
from models.feedback.safety import safe_identifier, safe_path
from models.feedback.tools import ToolError, git_show, safe_revision
from models.warehouse import read_sql

# Severity from impact. ERROR: an incident or a large volume; WARNING: recurring; INFO otherwise.
ERROR_EVENTS = 100
WARNING_EVENTS = 5
INCIDENT_WEIGHT = 50
RECURRENCE_WEIGHT = 5


@dataclass(frozen=True)
class CrashSite:
    cluster_id: str
    failure_class: str
    repo: str
    revision: str
    path: str
    line: int
    events: int
    blamed_commit: str | None
    ai_authored: bool
    ai_tool: str | None
    fix_commit: str | None

    @property
    def location(self) -> str:
        return f"{self.repo}:{self.path}:{self.line}"


@dataclass
class ClusterImpact:
    cluster_id: str
    failure_class: str
    title: str | None  # untrusted text: only ever shown through safety.plain_untrusted
    exception_type: str | None
    event_count: int
    incident_count: int
    first_seen: datetime | None
    last_seen: datetime | None
    release_count: int
    days_span: int
    sites: list[CrashSite] = field(default_factory=list)

    @property
    def impact(self) -> float:
        recurrence = max(self.release_count, min(self.days_span, 30))
        return self.event_count + INCIDENT_WEIGHT * self.incident_count + RECURRENCE_WEIGHT * recurrence


@dataclass
class ClassEvidence:
    failure_class: str
    clusters: list[ClusterImpact]

    @property
    def sites(self) -> list[CrashSite]:
        return [s for c in self.clusters for s in c.sites]

    @property
    def event_count(self) -> int:
        return sum(c.event_count for c in self.clusters)

    @property
    def incident_count(self) -> int:
        return sum(c.incident_count for c in self.clusters)

    @property
    def impact(self) -> float:
        return sum(c.impact for c in self.clusters)

    @property
    def first_seen(self) -> datetime | None:
        seen = [c.first_seen for c in self.clusters if c.first_seen]
        return min(seen) if seen else None

    @property
    def last_seen(self) -> datetime | None:
        seen = [c.last_seen for c in self.clusters if c.last_seen]
        return max(seen) if seen else None

    @property
    def ai_share(self) -> float | None:
        """Share of crash-site events whose blamed line came from an AI-authored commit."""
        blamed = [s for s in self.sites if s.blamed_commit]
        total = sum(s.events for s in blamed)
        return round(sum(s.events for s in blamed if s.ai_authored) / total, 3) if total else None

    def severity(self) -> tuple[str, str]:
        return severity_for(self.event_count, self.incident_count, max((c.days_span for c in self.clusters), default=1))

    def summary(self) -> dict:
        """Machine-readable evidence (ids, counts, dates, paths; no messages)."""
        return {
            "clusters": [safe_identifier(c.cluster_id) for c in self.clusters],
            "events": self.event_count,
            "incidents": self.incident_count,
            "first_seen": self.first_seen.isoformat() if self.first_seen else None,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "ai_share": self.ai_share,
            "crash_sites": len(self.sites),
            "examples": example_locations(self.sites),
        }


def severity_for(events: int, incidents: int, days_span: int) -> tuple[str, str]:
    """(severity, why) from impact."""
    if incidents > 0:
        return "ERROR", f"linked to {incidents} incident(s)"
    if events >= ERROR_EVENTS:
        return "ERROR", f"{events} events (>= {ERROR_EVENTS})"
    if events >= WARNING_EVENTS or days_span > 1:
        return "WARNING", f"{events} events over {days_span} day(s)"
    return "INFO", f"only {events} event(s) on one day"


def example_locations(sites: list[CrashSite], limit: int = 5) -> list[str]:
    seen, out = set(), []
    for s in sorted(sites, key=lambda s: -s.events):
        path = safe_path(s.path)
        if path is None or (s.repo, path, s.line) in seen:
            continue
        seen.add((s.repo, path, s.line))
        out.append(f"{safe_identifier(s.repo)}:{path}:{s.line}")
        if len(out) >= limit:
            break
    return out


def gather_evidence(con: duckdb.DuckDBPyConnection) -> dict[str, ClassEvidence]:
    """Evidence per catalog failure class seen in production (classes with at least one active cluster)."""
    clusters: dict[str, ClusterImpact] = {}
    classes = registry()
    cur = con.execute(read_sql("queries/feedback/select_cluster_impact"))
    cols = [d[0] for d in cur.description]
    for row in cur.fetchall():
        r = dict(zip(cols, row))
        if r["failure_class"] not in classes:
            continue
        clusters[r["cluster_id"]] = ClusterImpact(
            cluster_id=r["cluster_id"],
            failure_class=r["failure_class"],
            title=r["title"],
            exception_type=r["exception_type"],
            event_count=int(r["event_count"]),
            incident_count=int(r["incident_count"]),
            first_seen=r["first_seen"],
            last_seen=r["last_seen"],
            release_count=int(r["release_count"]),
            days_span=int(r["days_span"]),
        )
    cur = con.execute(read_sql("queries/feedback/select_crash_sites"))
    cols = [d[0] for d in cur.description]
    for row in cur.fetchall():
        r = dict(zip(cols, row))
        cluster = clusters.get(r["cluster_id"])
        if cluster is None or safe_path(r["repo_path"]) is None or not safe_revision(r["revision"]):
            continue
        cluster.sites.append(
            CrashSite(
                cluster_id=r["cluster_id"],
                failure_class=r["failure_class"],
                repo=r["repo"],
                revision=r["revision"],
                path=r["repo_path"],
                line=int(r["line"]),
                events=int(r["events"]),
                blamed_commit=r["blamed_commit"],
                ai_authored=bool(r["ai_authored"]),
                ai_tool=r["ai_tool"],
                fix_commit=r["fix_commit"] if safe_revision(r["fix_commit"]) else None,
            )
        )
    by_class: dict[str, ClassEvidence] = {}
    for c in clusters.values():
        by_class.setdefault(c.failure_class, ClassEvidence(c.failure_class, [])).clusters.append(c)
    return dict(sorted(by_class.items(), key=lambda kv: -kv[1].impact))


def repository_paths(con: duckdb.DuckDBPyConnection, config: Config) -> dict[str, Path]:
    """Repository name -> working copy, from the configuration, else `core.repositories`."""
    paths = {r.name: Path(r.path) for r in config.repositories}
    for name, path in con.execute("SELECT repo, path FROM core.repositories").fetchall():
        paths.setdefault(name, Path(path))
    return paths


class SourceCache:
    """File text at a revision, read once per (repo, revision, path) with `git show`."""

    def __init__(self, repos: dict[str, Path]):
        self.repos = repos
        self._cache: dict[tuple[str, str, str], str | None] = {}

    def get(self, repo: str, revision: str, path: str) -> str | None:
        key = (repo, revision, path)
        if key not in self._cache:
            root = self.repos.get(repo)
            try:
                self._cache[key] = git_show(root, revision, path) if root and root.exists() else None
            except ToolError:
                self._cache[key] = None
        return self._cache[key]
