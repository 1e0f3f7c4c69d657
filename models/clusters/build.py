"""`build_clusters`: assign every signature to a stable cluster id, incrementally.

- A signature that already has a cluster keeps it (ids are never reused nor deleted).
- New signatures are joined to similar signatures (see `similarity`); a group that touches no
  existing cluster gets the next id `C-000001`, `C-000002`, ...
- When a new signature joins two existing clusters, the younger cluster is merged into the oldest:
  it keeps its row with status 'merged' and `merged_into`, the merge is recorded in
  `core.cluster_merges`, and its member signatures move to the survivor. `merged_into` always names
  the surviving cluster (chains are flattened).
- A signature that replaced another (`core.signature_lineage`: the grouping configuration changed, or
  templates were merged) takes over the old signature's cluster before anything else is decided; when
  it (or its other predecessors) already sit in another cluster, the younger cluster is merged into the
  older one (recorded in `core.cluster_merges` with similarity NULL). So cluster ids survive regrouping.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from models.clusters.classify import classify_signature
from models.clusters.documents import Signature, load_signatures
from models.clusters.similarity import UnionFind, similar_pairs
from models.config import Config
from models.settings import ClusterSettings
from models.warehouse import execute, read_sql, run_sql_file, unit_of_work

ID_PREFIX = "C-"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def format_cluster_id(n: int) -> str:
    return f"{ID_PREFIX}{n:06d}"


def _features_table(sigs: list[Signature]) -> pa.Table:
    cols = ("signature", "kind", "exception_type", "crash_file", "crash_function", "crash_context",
            "crash_path", "title", "failure_class", "class_rule", "event_count", "representative_event_id")  # fmt: skip
    data = {c: [getattr(s, c) for s in sigs] for c in cols}
    data["signature_kind"] = data.pop("kind")
    data["document"] = [" ".join(s.tokens) for s in sigs]
    return pa.table(data)


class _Assigner:
    """The cluster decisions of one run, kept in memory and written at the end in one transaction."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.members = dict(con.execute("SELECT signature, cluster_id FROM core.cluster_members").fetchall())
        self.merged_into = {
            cid: into
            for cid, into in con.execute("SELECT cluster_id, merged_into FROM core.clusters").fetchall()
        }
        top = run_sql_file(con, "queries/clusters/select_highest_cluster_number").fetchall()[0][0]
        self.next_number = int(top or 0) + 1
        self.new_members: list[tuple[str, str, str]] = []
        self.new_clusters: list[str] = []
        self.merges: list[tuple[str, str, float]] = []

    def resolve(self, cid: str) -> str:
        while self.merged_into.get(cid):
            cid = self.merged_into[cid]
        return cid

    def new_id(self) -> str:
        cid = format_cluster_id(self.next_number)
        self.next_number += 1
        self.new_clusters.append(cid)
        self.merged_into[cid] = None
        return cid

    def merge(self, old: str, survivor: str, similarity: float | None) -> None:
        self.merges.append((old, survivor, similarity))
        for cid, into in list(self.merged_into.items()):
            if into == old:
                self.merged_into[cid] = survivor
        self.merged_into[old] = survivor


def _assign(sigs: list[Signature], is_new: list[bool], settings: ClusterSettings, a: _Assigner) -> None:
    index = {s.signature: i for i, s in enumerate(sigs)}
    uf = UnionFind(len(sigs))
    pairs = similar_pairs(sigs, is_new, settings.similarity_threshold, settings.method)
    for i, j, _ in pairs:
        uf.union(i, j)
    for i, s in enumerate(sigs):  # a new template whose records' tracebacks carry a fingerprint
        if is_new[i] and s.kind == "template" and s.linked_fingerprint in index:
            uf.union(i, index[s.linked_fingerprint])
    best = {}  # strongest similarity touching each signature, for the merge records
    for i, j, v in pairs:
        best[i], best[j] = max(best.get(i, 0.0), v), max(best.get(j, 0.0), v)
    for comp in sorted(uf.components().values(), key=min):
        fresh = [i for i in comp if is_new[i]]
        if not fresh:
            continue
        by_cluster: dict[str, float] = {}
        for i in comp:
            if not is_new[i]:
                cid = a.resolve(a.members[sigs[i].signature])
                by_cluster[cid] = max(by_cluster.get(cid, 0.0), best.get(i, 1.0))
        survivor = min(by_cluster) if by_cluster else a.new_id()
        for cid in sorted(by_cluster):
            if cid != survivor:
                a.merge(cid, survivor, by_cluster[cid])
        for i in fresh:
            a.new_members.append((sigs[i].signature, sigs[i].kind, survivor))
            a.members[sigs[i].signature] = survivor


def _carry_over(con: duckdb.DuckDBPyConnection, sigs: list[Signature], is_new: list[bool], a: _Assigner) -> None:
    """Signatures that replaced clustered ones inherit their cluster (see the module docstring).
    Re-applying an edge on a later run changes nothing: its two ends already share a cluster."""
    kinds = {s.signature: (i, s.kind) for i, s in enumerate(sigs)}
    for old, new in run_sql_file(con, "queries/clusters/select_signature_lineage").fetchall():
        if old not in a.members or new not in kinds:
            continue
        inherited = a.resolve(a.members[old])
        i, kind = kinds[new]
        if new not in a.members:
            a.new_members.append((new, kind, inherited))
            a.members[new] = inherited
            is_new[i] = False
            continue
        current = a.resolve(a.members[new])
        if current != inherited:
            survivor, younger = sorted((current, inherited))
            a.merge(younger, survivor, None)


def _write(con: duckdb.DuckDBPyConnection, sigs: list[Signature], a: _Assigner) -> None:
    now = _now()
    with unit_of_work(con):
        if a.new_clusters:
            execute(
                con,
                "INSERT INTO core.clusters (cluster_id, status, failure_class, created_at, updated_at)"
                " SELECT cluster_id, 'active', 'unknown', ?, ? FROM _new_clusters",
                [now, now],
                _new_clusters=pa.table({"cluster_id": a.new_clusters}),
            )
        if a.new_members:
            sig, kind, cid = (list(x) for x in zip(*a.new_members, strict=True))
            execute(
                con, "INSERT INTO core.cluster_members SELECT *, ? FROM _new_members", [now],
                _new_members=pa.table({"signature": sig, "signature_kind": kind, "cluster_id": cid}),
            )
        for old, survivor, sim in a.merges:
            con.execute(
                "UPDATE core.clusters SET status = 'merged', merged_into = ?, updated_at = ? WHERE cluster_id = ?",
                [survivor, now, old],
            )
            con.execute("UPDATE core.clusters SET merged_into = ? WHERE merged_into = ?", [survivor, old])
            # members move to the survivor, so a plain join members -> active clusters stays right
            con.execute(
                "UPDATE core.cluster_members SET cluster_id = ? WHERE cluster_id = ?", [survivor, old]
            )
            con.execute("INSERT INTO core.cluster_merges VALUES (?, ?, ?, ?)", [old, survivor, sim, now])
        execute(con, read_sql("queries/clusters/insert_signature_features"), _features=_features_table(sigs))
        run_sql_file(con, "queries/clusters/update_cluster_stats", [now])


def build_clusters(con: duckdb.DuckDBPyConnection, config: Config | None = None) -> dict:
    """Cluster every signature not yet clustered and refresh the cluster rows; returns figures."""
    started = time.perf_counter()
    settings = (config or Config()).clusters
    sigs = load_signatures(con, settings.error_levels)
    for s in sigs:
        classify_signature(s)
    a = _Assigner(con)
    is_new = [s.signature not in a.members for s in sigs]
    carried = sum(is_new)
    _carry_over(con, sigs, is_new, a)
    carried -= sum(is_new)
    _assign(sigs, is_new, settings, a)
    _write(con, sigs, a)
    active = con.execute("SELECT count(*) FROM core.clusters WHERE status = 'active'").fetchall()[0][0]
    return {
        "signatures": len(sigs),
        "new_signatures": sum(is_new) + carried,
        "carried_over": carried,
        "clusters_created": len(a.new_clusters),
        "clusters_merged": len(a.merges),
        "active_clusters": int(active),
        "similarity_threshold": settings.similarity_threshold,
        "method": settings.method,
        "seconds": round(time.perf_counter() - started, 3),
    }
