"""Honest evaluation: train on the past, score the future; never a random split.

- `time_split` — rows in time order; the last `test_share` of commits is the test period. The model
  (hyperparameters chosen on a validation split inside the training period, see `model.train`) never
  sees the test period. Training labels are either those known today (`labels="final"`, the usual
  setup of the literature) or only those known when the test period starts (`labels="at_split"`:
  a fix or failure found later is unknown at training time — verification latency).
- `rolling` — expanding window for small histories: each commit is scored by a model trained on every
  earlier commit (labels known by then or final), predictions pooled.

Metrics: ROC AUC (with a bootstrap 95% interval), Brier score, the calibration curve (equal-count bins:
mean predicted vs observed rate), and effort-aware precision/recall of defects when inspecting changes,
riskiest first, until 20% of the test period's changed lines (la + ld) are read (Kamei et al. 2013),
ranked by probability and by probability per changed line.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from models.risk.model import train

EFFORT_BUDGET = 0.2


def roc_auc(y: np.ndarray, score: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    y = np.asarray(y, dtype=int)
    return float(roc_auc_score(y, score)) if 0 < y.sum() < len(y) else None


def auc_interval(y: np.ndarray, score: np.ndarray, n_boot: int = 500, seed: int = 0) -> list[float] | None:
    """Percentile bootstrap 95% interval of the ROC AUC (resampling changes)."""
    rng = np.random.default_rng(seed)
    y, score = np.asarray(y, dtype=int), np.asarray(score)
    values = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        a = roc_auc(y[idx], score[idx])
        if a is not None:
            values.append(a)
    return (
        [round(float(np.percentile(values, 2.5)), 4), round(float(np.percentile(values, 97.5)), 4)]
        if values
        else None
    )


def effort_aware(y: np.ndarray, score: np.ndarray, effort: np.ndarray, budget: float = EFFORT_BUDGET) -> dict:
    """Inspect changes by descending `score` until `budget` of all changed lines is spent."""
    y, effort = np.asarray(y, dtype=int), np.maximum(np.asarray(effort, dtype=float), 0)
    order = np.argsort(-np.asarray(score), kind="stable")
    spent = np.cumsum(effort[order])
    limit = budget * effort.sum()
    k = int(np.searchsorted(spent, limit, side="right"))
    k = max(k, 1) if len(y) else 0
    found = int(y[order[:k]].sum())
    return {
        "changes_inspected": k,
        "share_of_changes": round(k / len(y), 4) if len(y) else None,
        "defects_found": found,
        "precision": round(found / k, 4) if k else None,
        "recall": round(found / y.sum(), 4) if y.sum() else None,
    }


def calibration_bins(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict]:
    """Equal-count bins by predicted probability: mean predicted vs observed defect rate."""
    y, p = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    order = np.argsort(p, kind="stable")
    out = []
    for chunk in np.array_split(order, min(bins, len(order))):
        if len(chunk):
            out.append(
                {
                    "n": len(chunk),
                    "p_min": round(float(p[chunk].min()), 4),
                    "p_max": round(float(p[chunk].max()), 4),
                    "mean_predicted": round(float(p[chunk].mean()), 4),
                    "observed": round(float(y[chunk].mean()), 4),
                }
            )
    return out


def metrics(y: np.ndarray, p: np.ndarray, effort: np.ndarray, *, bins: int = 10, n_boot: int = 500) -> dict:
    y, p = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    auc = roc_auc(y, p)
    return {
        "n": len(y),
        "defects": int(y.sum()),
        "defect_rate": round(float(y.mean()), 4) if len(y) else None,
        "roc_auc": round(auc, 4) if auc is not None else None,
        "roc_auc_95": auc_interval(y, p, n_boot) if auc is not None else None,
        "brier": round(float(np.mean((p - y) ** 2)), 4) if len(y) else None,
        "effort_top20_by_risk": effort_aware(y, p, effort),
        "effort_top20_by_risk_per_line": effort_aware(y, p / np.maximum(effort, 1), effort),
        "calibration": calibration_bins(y, p, bins),
    }


def _labels_at(y_final: np.ndarray, known_at: list, when) -> np.ndarray:
    """Labels as known at `when` (a label counts when it was known strictly before)."""
    return np.array([int(v and k is not None and k < when) for v, k in zip(y_final, known_at)], dtype=int)


def time_split(
    frame: pl.DataFrame,
    y: np.ndarray,
    known_at: list,
    features: list[str],
    *,
    test_share: float = 0.2,
    labels: str = "final",
) -> dict:
    """Train on the first (1 - test_share) of commits in time order, score the rest (see module doc)."""
    frame = frame.with_row_index("_i").sort("committed_at", "sha")
    idx = frame["_i"].to_numpy()
    y, known_at = np.asarray(y, dtype=int)[idx], [known_at[i] for i in idx]
    cut = int(len(y) * (1 - test_share))
    split_time = frame["committed_at"][cut]
    y_train = _labels_at(y[:cut], known_at[:cut], split_time) if labels == "at_split" else y[:cut]
    X = frame.select(features).to_numpy()
    model, report = train(features, X[:cut], y_train)
    p = model.predict_proba(frame.select(model.features).to_numpy()[cut:])
    effort = (frame["la"] + frame["ld"]).to_numpy()[cut:]
    return {
        "labels": labels,
        "split_at": str(split_time),
        "train": {"n": cut, "defects": int(y_train.sum()), "defects_final": int(y[:cut].sum())},
        "hyperparameters": model.hyperparameters,
        "validation": report.get("validation", {}),
        "test": metrics(y[cut:], p, effort),
        "model": model,
        "test_predictions": p,
        "test_labels": y[cut:],
        "test_effort": effort,
    }


def rolling(
    frame: pl.DataFrame,
    y: np.ndarray,
    known_at: list,
    features: list[str],
    *,
    start: int = 10,
    labels: str = "final",
    params: dict | None = None,
) -> dict:
    """Expanding-window evaluation: each commit from `start` on is scored by a model of all earlier ones."""
    frame = frame.with_row_index("_i").sort("committed_at", "sha")
    idx = frame["_i"].to_numpy()
    y, known_at = np.asarray(y, dtype=int)[idx], [known_at[i] for i in idx]
    X = frame.select(features).to_numpy()
    times = frame["committed_at"].to_list()
    preds, truth, effort, skipped = [], [], [], 0
    eff = (frame["la"] + frame["ld"]).to_numpy()
    for i in range(start, len(y)):
        y_train = _labels_at(y[:i], known_at[:i], times[i]) if labels == "at_split" else y[:i]
        if not 0 < y_train.sum() < i:
            skipped += 1
            continue
        model, _ = train(features, X[:i], y_train, params=params)
        preds.append(float(model.predict_proba(frame.select(model.features).to_numpy()[i : i + 1])[0]))
        truth.append(int(y[i]))
        effort.append(float(eff[i]))
    out = metrics(np.array(truth), np.array(preds), np.array(effort), bins=5) if preds else {"n": 0}
    out.update(labels=labels, skipped_without_both_classes=skipped, start=start)
    out["predictions"], out["truth"] = np.array(preds), np.array(truth)
    return out


def paired_auc_difference(
    y: np.ndarray, a: np.ndarray, b: np.ndarray, n_boot: int = 1000, seed: int = 0
) -> dict:
    """AUC(b) - AUC(a) on the same changes, with a paired bootstrap 95% interval and P(difference > 0)."""
    rng = np.random.default_rng(seed)
    y, a, b = np.asarray(y, dtype=int), np.asarray(a), np.asarray(b)
    base = roc_auc(y, b) - roc_auc(y, a)
    diffs = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        ra, rb = roc_auc(y[idx], a[idx]), roc_auc(y[idx], b[idx])
        if ra is not None and rb is not None:
            diffs.append(rb - ra)
    diffs = np.array(diffs)
    return {
        "difference": round(float(base), 4),
        "ci95": [round(float(np.percentile(diffs, 2.5)), 4), round(float(np.percentile(diffs, 97.5)), 4)],
        "p_positive": round(float((diffs > 0).mean()), 3),
    }
