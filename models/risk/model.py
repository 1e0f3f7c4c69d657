"""The per-repository model: logistic regression on log-scaled change features, Platt-calibrated.

Why this model: on just-in-time defect data, logistic regression on log-scaled Kamei features is a
strong baseline (ANCHORS §10: AUC 0.789 on OpenStack, above a random forest), it trains in a second,
and each score decomposes exactly into per-feature contributions (coefficient × standardized value),
which are the reasons shown with every score. Stored as JSON parameters (never a pickle), so a model
can be read, diffed and shipped in a rule pack, and scoring needs only numpy.

Training (`train`) never looks past its own period: the regularization strength and class weighting
are chosen on a validation split made of the latest quarter of the training period (time-ordered),
then the model is refit on the whole period and calibrated with `CalibratedClassifierCV`
(sigmoid/Platt, `ensemble=False`: out-of-fold decision values of contiguous folds).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np

LINEAR_FEATURES = frozenset({"entropy", "fix"})  # already in [0, 1]; every other feature is log1p-scaled
GRID_C = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
GRID_CLASS_WEIGHT = (None, "balanced")
DEFAULT_PARAMS = {"C": 0.1, "class_weight": "balanced"}
VALIDATION_SHARE = 0.25
# Risk levels on calibrated probabilities: high = at least twice the repository's defect rate and among its
# riskiest 20% of changes; medium = above the defect rate; low = at or below it.
HIGH_SHARE = 0.2
MIN_TOOL_COMMITS = 10  # a per-tool AI column enters the model only with this many commits of the tool


def usable_features(names: list[str], X: np.ndarray) -> list[int]:
    """Columns worth a coefficient: not constant in the training rows, and a per-tool AI column only when
    the tool wrote code in at least MIN_TOOL_COMMITS training commits (its lines still count in `ai_lines`).
    Chosen from the features alone, never from the labels."""
    X = np.asarray(X, dtype=float)
    keep = []
    for j, name in enumerate(names):
        col = X[:, j]
        if np.all(col == col[0]):
            continue
        if name.startswith("ai_lines_") and int((col > 0).sum()) < MIN_TOOL_COMMITS:
            continue
        keep.append(j)
    return keep


def transform(names: list[str], X: np.ndarray) -> np.ndarray:
    """log1p of every count-like feature (negative values clipped to 0)."""
    X = np.asarray(X, dtype=float).copy()
    for j, name in enumerate(names):
        if name not in LINEAR_FEATURES:
            X[:, j] = np.log1p(np.clip(X[:, j], 0, None))
    return X


@dataclass
class RiskModel:
    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    calibration: dict  # {"a": .., "b": ..}: p = 1 / (1 + exp(a * decision + b)); "method"
    thresholds: dict  # {"high": p, "medium": p} (see HIGH_SHARE)
    typical: dict  # median raw value of each feature in the training period (for reason texts)
    hyperparameters: dict = field(default_factory=dict)
    base_rate: float = 0.0

    # -- scoring -----------------------------------------------------------------------------------
    def standardized(self, X: np.ndarray) -> np.ndarray:
        return (transform(self.features, X) - np.asarray(self.mean)) / np.asarray(self.scale)

    def decision(self, X: np.ndarray) -> np.ndarray:
        return self.standardized(X) @ np.asarray(self.coef) + self.intercept

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Calibrated probability that each change induces a defect."""
        a, b = self.calibration["a"], self.calibration["b"]
        z = np.clip(a * self.decision(X) + b, -50, 50)
        return 1.0 / (1.0 + np.exp(z))

    def level(self, p: float) -> str:
        return (
            "high" if p >= self.thresholds["high"] else "medium" if p >= self.thresholds["medium"] else "low"
        )

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Per-feature log-odds contributions (before calibration), relative to an average training change."""
        return self.standardized(X) * np.asarray(self.coef)

    # -- storage -----------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"kind": "logistic_regression/log1p+standardize/platt", **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict) -> RiskModel:
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**fields)


def _fit_lr(X: np.ndarray, y: np.ndarray, C: float, class_weight):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        StandardScaler(),
        LogisticRegression(C=C, class_weight=class_weight, solver="newton-cholesky", max_iter=200),
    ).fit(X, y)


def choose_hyperparameters(X: np.ndarray, y: np.ndarray) -> tuple[dict, dict]:
    """Grid search on a time-ordered validation split inside the training rows (rows in time order).

    Returns (params, validation report). Falls back to DEFAULT_PARAMS when either part lacks a class.
    """
    from sklearn.metrics import roc_auc_score

    cut = int(len(y) * (1 - VALIDATION_SHARE))
    fit_y, val_y = y[:cut], y[cut:]
    if len(set(fit_y)) < 2 or len(set(val_y)) < 2:
        return dict(DEFAULT_PARAMS), {
            "chosen_by": "default (validation split lacks a class)",
            "validation_rows": len(val_y),
        }
    results = []
    for C in GRID_C:
        for cw in GRID_CLASS_WEIGHT:
            model = _fit_lr(X[:cut], fit_y, C, cw)
            auc = roc_auc_score(val_y, model.decision_function(X[cut:]))
            results.append((round(auc, 6), -C, cw or "", {"C": C, "class_weight": cw}))
    best = max(results, key=lambda r: (r[0], r[1], r[2]))  # ties: stronger regularization
    return best[3], {
        "chosen_by": "validation AUC (latest quarter of the training period)",
        "validation_rows": len(val_y),
        "validation_positives": int(val_y.sum()),
        "validation_auc": best[0],
        "grid": [{"C": r[3]["C"], "class_weight": r[3]["class_weight"], "auc": r[0]} for r in results],
    }


def train(
    names: list[str], X: np.ndarray, y: np.ndarray, *, params: dict | None = None
) -> tuple[RiskModel, dict]:
    """Fit a calibrated model on rows in time order; returns (model, report). Needs both classes.

    BLAS runs single-threaded: these matrices are small, and on a busy machine BLAS threads spin
    against each other (measured: 10x slower fits at load 10 on 2 cores).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _train(names, X, y, params)


def _train(names: list[str], X: np.ndarray, y: np.ndarray, params: dict | None) -> tuple[RiskModel, dict]:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(y, dtype=int)
    if len(set(y)) < 2:
        raise ValueError("training needs at least one defect-inducing and one clean change")
    cols = usable_features(names, X) or list(range(len(names)))
    dropped = [n for j, n in enumerate(names) if j not in cols]
    names, X = [names[j] for j in cols], np.asarray(X, dtype=float)[:, cols]
    Xt = transform(names, X)
    report: dict = {}
    if params is None:
        params, report["validation"] = choose_hyperparameters(Xt, y)
    n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
    folds = min(5, n_pos, n_neg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        if folds >= 2:
            cal = CalibratedClassifierCV(
                _fit_lr(Xt, y, params["C"], params["class_weight"]),
                method="sigmoid",
                cv=StratifiedKFold(folds, shuffle=False),
                ensemble=False,
            ).fit(Xt, y)
            fitted = cal.calibrated_classifiers_[0]
            pipe, sigmoid = fitted.estimator, fitted.calibrators[0]
            calibration = {
                "a": float(sigmoid.a_),
                "b": float(sigmoid.b_),
                "method": f"platt, {folds}-fold out-of-fold",
            }
        else:  # too few defects for out-of-fold calibration: Platt on in-sample decision values
            from sklearn.calibration import _SigmoidCalibration

            pipe = _fit_lr(Xt, y, params["C"], params["class_weight"])
            sigmoid = _SigmoidCalibration().fit(pipe.decision_function(Xt), y)
            calibration = {
                "a": float(sigmoid.a_),
                "b": float(sigmoid.b_),
                "method": "platt, in-sample (too few defects)",
            }
    scaler, lr = pipe.named_steps["standardscaler"], pipe.named_steps["logisticregression"]
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    model = RiskModel(
        features=list(names),
        mean=[float(v) for v in scaler.mean_],
        scale=[float(v) for v in scale],
        coef=[float(v) for v in lr.coef_[0]],
        intercept=float(lr.intercept_[0]),
        calibration=calibration,
        thresholds={"high": 1.0, "medium": 1.0},
        typical={n: float(np.median(np.asarray(X, dtype=float)[:, j])) for j, n in enumerate(names)},
        hyperparameters={"C": params["C"], "class_weight": params["class_weight"]},
        base_rate=float(y.mean()),
    )
    p = np.sort(model.predict_proba(X))[::-1]
    top = float(p[max(0, math.ceil(len(p) * HIGH_SHARE) - 1)])
    model.thresholds = {"high": max(top, 2 * model.base_rate), "medium": model.base_rate}
    report.update(
        n_train=len(y),
        n_positive=n_pos,
        hyperparameters=model.hyperparameters,
        calibration=calibration,
        features_used=names,
        features_dropped=dropped,
    )
    return model, report
