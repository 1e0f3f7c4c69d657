"""The model: calibrated, stored as JSON without loss, reasons sum to the decision, no peeking at the test period."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from models.risk.evaluate import calibration_bins, effort_aware, time_split
from models.risk.model import RiskModel, train, usable_features
from models.risk.reasons import explain

NAMES = ["la", "nf", "exp", "fix", "ai_lines_cursor", "prod_files"]


def synthetic(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    la = rng.lognormal(2.5, 1.2, n)
    nf = rng.integers(1, 8, n).astype(float)
    exp = rng.integers(0, 300, n).astype(float)
    fix = (rng.random(n) < 0.2).astype(float)
    z = -3.0 + 0.8 * np.log1p(la) + 0.3 * np.log1p(nf) - 0.2 * np.log1p(exp)
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    X = np.column_stack([la, nf, exp, fix, np.zeros(n), np.zeros(n)])
    X[:3, 4] = 5  # a tool with 3 commits: too few for its own coefficient
    return X, y


def test_calibrated_on_unseen_data():
    X, y = synthetic(6000)
    model, report = train(NAMES, X[:4000], y[:4000])
    p = model.predict_proba(X[4000:][:, [NAMES.index(n) for n in model.features]])
    assert abs(p.mean() - y[4000:].mean()) < 0.03
    for b in calibration_bins(y[4000:], p, bins=5):
        assert abs(b["mean_predicted"] - b["observed"]) < 0.08, b
    assert report["validation"]["chosen_by"].startswith("validation AUC")
    assert model.features == ["la", "nf", "exp", "fix"]  # constant and sparse per-tool columns left out
    assert report["features_dropped"] == ["ai_lines_cursor", "prod_files"]


def test_json_round_trip_and_exact_reasons():
    X, y = synthetic(1500, seed=1)
    model, _ = train(NAMES, X, y)
    again = RiskModel.from_dict(json.loads(json.dumps(model.to_dict())))
    cols = [NAMES.index(n) for n in model.features]
    assert np.allclose(model.predict_proba(X[:, cols]), again.predict_proba(X[:, cols]))
    decision = model.decision(X[:5, cols])
    assert np.allclose(model.contributions(X[:5, cols]).sum(axis=1) + model.intercept, decision)
    big = X[:1, cols].copy()
    big[0, model.features.index("la")] = 5000
    (reasons,) = explain(model, big)
    assert reasons[0]["feature"] == "la" and "5,000 lines" in reasons[0]["text"]
    assert all(r["contribution"] > 0 for r in reasons)
    assert model.level(float(model.predict_proba(big)[0])) == "high"


def test_time_split_never_uses_the_test_period():
    """Hyperparameters and the model depend only on the training period: scrambling test labels changes nothing."""
    X, y = synthetic(2000, seed=2)
    frame = pl.DataFrame({n: X[:, j] for j, n in enumerate(NAMES)}).with_columns(
        pl.Series("sha", [f"{i:04d}" for i in range(2000)]),
        pl.datetime_range(pl.datetime(2020, 1, 1), pl.datetime(2020, 1, 1) + pl.duration(hours=1999), "1h",
                          eager=True).alias("committed_at"),
        pl.lit(0.0).alias("ld"),
    )
    known = [None] * 2000
    a = time_split(frame, y, known, NAMES)
    scrambled = y.copy()
    scrambled[1600:] = 1 - scrambled[1600:]
    b = time_split(frame, scrambled, known, NAMES)
    assert a["hyperparameters"] == b["hyperparameters"] and a["model"].coef == b["model"].coef
    assert a["test"]["roc_auc"] > 0.6 and b["test"]["roc_auc"] < 0.4
    assert a["train"]["n"] == 1600 and a["test"]["n"] == 400


def test_effort_aware_counts_lines_not_changes():
    y = np.array([1, 0, 1, 0])
    score = np.array([0.9, 0.8, 0.2, 0.1])
    effort = np.array([10, 10, 50, 30])  # 20% of 100 lines = 20: the two top changes fit
    got = effort_aware(y, score, effort)
    assert got == {"changes_inspected": 2, "share_of_changes": 0.5, "defects_found": 1, "precision": 0.5,
                   "recall": 0.5}


def test_training_needs_both_classes():
    X, _ = synthetic(50)
    with pytest.raises(ValueError, match="at least one"):
        train(NAMES, X, np.zeros(50))
    assert usable_features(["a", "b"], np.array([[1.0, 2.0], [1.0, 3.0]])) == [1]
