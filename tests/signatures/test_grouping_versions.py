"""Versioned grouping: a changed fingerprint rule re-fingerprints the events it affects, and clusters keep
their ids through `core.signature_lineage` (real ingest, real fingerprint SQL, real clusterer)."""

from __future__ import annotations

import hashlib

from models.clusters import build_clusters, disappeared_cluster_ids
from models.config import Config
from models.signatures import fingerprint_events
from models.signatures.versions import fingerprint_grouping

from .helpers import event, frame, ingest_events

RULE = "type:SoftTimeLimitExceeded -> soft-timelimit-exceeded"


def _timeout(eid: str, task: str) -> dict:
    return event(eid, exc=[{"type": "SoftTimeLimitExceeded", "value": "SoftTimeLimitExceeded()", "stacktrace": {
        "frames": [frame("app.tasks", task, f"run_{task}()"), frame("billiard.pool", "handler", "raise X", in_app=False)]}}])  # fmt: skip


def _key_error(eid: str) -> dict:
    return event(eid, exc=[{"type": "KeyError", "value": "'sku'", "stacktrace": {
        "frames": [frame("app.cart", "add", "price = item['sku']")]}}])  # fmt: skip


def _state(con) -> tuple[dict, dict, dict]:
    fps = dict(con.execute("SELECT event_id, fingerprint FROM core.event_fingerprints").fetchall())
    clusters = dict(con.execute("SELECT event_id, cluster_id FROM cluster_events").fetchall())
    versions = dict(con.execute("SELECT event_id, grouping_version FROM core.event_fingerprints").fetchall())
    return fps, clusters, versions


def test_changing_a_fingerprint_rule_regroups_affected_events_and_keeps_cluster_ids(warehouse, tmp_path):
    con = warehouse
    ids = {"a1": "a1" * 16, "a2": "a2" * 16, "a3": "a3" * 16, "b1": "b1" * 16, "b2": "b2" * 16,
           "k1": "c1" * 16, "k2": "c2" * 16}  # fmt: skip
    ingest_events(con, tmp_path, [_timeout(ids["a1"], "a"), _timeout(ids["a2"], "a"), _timeout(ids["a3"], "a"),
                                  _timeout(ids["b1"], "b"), _timeout(ids["b2"], "b"),
                                  _key_error(ids["k1"]), _key_error(ids["k2"])])  # fmt: skip
    assert fingerprint_events(con, Config()) == 7
    build_clusters(con, Config())
    assert disappeared_cluster_ids(con) == []  # records the checkpoint of cluster ids
    fps0, clusters0, versions0 = _state(con)
    a, b, k = (clusters0[ids[x]] for x in ("a1", "b1", "k1"))
    assert len({a, b, k}) == 3  # two task timeouts with different crash sites, and a KeyError
    assert set(versions0.values()) == {fingerprint_grouping(Config()).version}

    # the team adds a rule: every soft time limit is one issue
    config = Config(fingerprint_rules=(RULE,))
    assert fingerprint_events(con, config, batch=3) == 7  # every event is checked again (3 passes) ...
    fps1, _, versions1 = _state(con)
    new_fp = hashlib.md5(b"soft-timelimit-exceeded").hexdigest()
    assert {fps1[ids[x]] for x in ("a1", "a2", "a3", "b1", "b2")} == {new_fp}  # ... the affected ones change
    assert fps1[ids["k1"]] == fps0[ids["k1"]]  # the others keep their fingerprint
    assert set(versions1.values()) == {fingerprint_grouping(config).version} != set(versions0.values())
    lineage = set(con.execute("SELECT old_signature, new_signature, moved FROM signature_lineage").fetchall())
    assert lineage == {(fps0[ids["a1"]], new_fp, 3), (fps0[ids["b1"]], new_fp, 2)}
    assert fingerprint_events(con, config) == 0  # nothing left to do under the same version

    figures = build_clusters(con, config)
    _, clusters1, _ = _state(con)
    assert figures["clusters_created"] == 0 and figures["carried_over"] == 1
    survivor = min(a, b)  # the older id survives, the younger is merged into it (and recorded)
    assert {clusters1[ids[x]] for x in ("a1", "a2", "a3", "b1", "b2")} == {survivor}
    assert clusters1[ids["k1"]] == clusters1[ids["k2"]] == k
    merged = con.execute("SELECT cluster_id, status, merged_into FROM clusters WHERE cluster_id = ?",
                         [max(a, b)]).fetchone()  # fmt: skip
    assert merged == (max(a, b), "merged", survivor)
    assert con.execute("SELECT count(*) FROM core.cluster_merges WHERE from_cluster_id = ? AND into_cluster_id = ?",
                       [max(a, b), survivor]).fetchone()[0] == 1  # fmt: skip
    assert disappeared_cluster_ids(con, record=False) == []  # every id of the first run still exists

    # the rule is removed again: the events get their old fingerprints back, and stay where they are
    assert fingerprint_events(con, Config()) == 7
    fps2, _, _ = _state(con)
    assert fps2 == fps0
    again = build_clusters(con, Config())
    _, clusters2, _ = _state(con)
    assert again["clusters_created"] == 0 and clusters2 == clusters1
