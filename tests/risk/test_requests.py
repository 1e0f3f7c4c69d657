"""On a real repository's history (psf/requests, 6.5k commits; skipped when ../shared is absent; no network).

The bare clone lacks a few blobs, as a partial clone does: reading hunks must lose only those files.
The bar: time-ordered ROC AUC >= 0.80 (train on the first 80% of commits, score the last 20%).
"""

from __future__ import annotations

import subprocess

import pytest

from benchmarks.risk import borrow_repository
from models.config import RepositoryConfig
from models.history import ingest_repository
from models.risk import latest_model, review_change, update_repository
from models.risk.evaluate import time_split
from models.risk.features import ALL_FEATURES, compute_features
from models.risk.gitdiff import stream_hunks
from models.risk.labels import labels
from models.risk.review import model_summary
from models.risk.service import label_vector
from models.warehouse import connect

# A pull-request commit that added a virtualenv whose compiled .so files are missing from the clone.
PARTIAL = "8401716d3d62efd4188941bc1cb8d86887d2baff"


@pytest.fixture
def requests_repo(shared_datasets, tmp_path):
    """A repository reading the dataset's objects (which stays untouched) through git alternates."""
    return borrow_repository(shared_datasets / "repos" / "requests.git", tmp_path / "requests.git")


@pytest.mark.slow
def test_missing_blobs_lose_only_their_files(requests_repo):
    head = subprocess.run(["git", "-C", str(requests_repo), "rev-parse", "main"], capture_output=True, text=True,
                          check=True).stdout.strip()
    diffs = {d.sha: d for d in stream_hunks(requests_repo, [PARTIAL, head])}
    assert set(diffs) == {PARTIAL, head}
    assert sorted(p.rsplit("/", 1)[1] for p in diffs[PARTIAL].unreadable) == [
        "_brotlicffi.abi3.so", "_rust.abi3.so", "swagger-ui-bundle.js.map"]
    assert len(diffs[PARTIAL].hunks) > 1000  # the rest of that commit is kept
    assert diffs[head].hunks and not diffs[head].unreadable


@pytest.mark.slow
def test_time_ordered_auc_bar_and_a_review(requests_repo, tmp_path):
    cfg = RepositoryConfig(name="requests", path=requests_repo, release_pattern="v{version}")
    con = connect(tmp_path / "wh.duckdb")
    try:
        ingest_repository(con, cfg)
        first = update_repository(con, cfg)
        assert first["mode"] == "trained" and first["szz"]["blamed"] > 300
        assert update_repository(con, cfg)["mode"] == "unchanged"
        frame = compute_features(con, "requests")
        found = labels(con, "requests")
        y, _ = label_vector(frame, found, ["production", "szz_fix"])
        known = dict(found.group_by("sha").agg(found["known_at"].min()).iter_rows())
        result = time_split(frame, y, [known.get(s) for s in frame["sha"]], ALL_FEATURES)
        assert result["test"]["roc_auc"] >= 0.80, result["test"]
        assert result["train"]["n"] > 3800 and result["test"]["defects"] > 20
        stored = latest_model(con, "requests")
        review = review_change(con, "requests", requests_repo, "v2.0.0", "v2.1.0", stored.model,
                               model_info=model_summary(stored.model, stored))
        assert len(review.commits) > 100 and review.change_set.level == "high"
        assert all(0 <= c.probability <= 1 for c in review.commits)
    finally:
        con.close()
