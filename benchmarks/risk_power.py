"""How large a world the "+AI lines add to the standard features" ablation needs: a power simulation on
the longer demo world's own stated rates (`demo/risk_history.py`), without building any world.

    .venv/bin/python -m benchmarks.risk_power        # also part of `make bench` (the risk block)

Each simulated commit is a feature with P_FEATURE, written by an AI tool with P_AI_AUTHOR; a feature
carries a bug with P_BUG_HUMAN, or AI_BUG_RATIO times that when an AI tool wrote it, and the bug fails
in production when the function is wired (P_WIRED). The standard features are idealised as one
size-like score that separates features from other commits (the only commits that can fail) but not
bad features from good ones; "+AI" adds the AI flag. Time-ordered: a logistic model is trained on the
first half and scores the second; the paired bootstrap of the AUC difference is the ablation's own
(`paired_auc_difference`). Power = the share of simulated worlds whose 95% interval lies above 0.

The idealisation favours detection (a real model must also learn which commits are features), so the
power here is an upper bound for the real ablation at the same size.
"""

from __future__ import annotations

import json
import time

import numpy as np
from sklearn.linear_model import LogisticRegression

from demo.risk_history import AI_BUG_RATIO, P_AI_AUTHOR, P_BUG_HUMAN, P_FEATURE, P_WIRED
from models.risk.evaluate import paired_auc_difference

SIZES = (300, 1200, 4800)
RATIOS = (AI_BUG_RATIO, 3.0)  # the world's stated ratio, and a strong effect for comparison
WORLDS = 30
BOOTSTRAP = 300


def _world(rng: np.random.Generator, n: int, ratio: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    feature = rng.random(n) < P_FEATURE
    ai = rng.random(n) < P_AI_AUTHOR
    bug_rate = np.where(ai, P_BUG_HUMAN * ratio, P_BUG_HUMAN)
    failed = feature & (rng.random(n) < bug_rate) & (rng.random(n) < P_WIRED)
    size = rng.normal(np.where(feature, 1.0, 0.0), 0.6)
    return np.c_[size], np.c_[size, ai], failed.astype(int)


def power(n: int, ratio: float, worlds: int = WORLDS, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    detected, gains, defects = 0, [], []
    for k in range(worlds):
        standard, with_ai, y = _world(rng, n, ratio)
        half = n // 2
        if not 0 < y[:half].sum() < half or not 0 < y[half:].sum() < n - half:
            continue
        a = LogisticRegression().fit(standard[:half], y[:half]).predict_proba(standard[half:])[:, 1]
        b = LogisticRegression().fit(with_ai[:half], y[:half]).predict_proba(with_ai[half:])[:, 1]
        diff = paired_auc_difference(y[half:], a, b, n_boot=BOOTSTRAP, seed=k)
        detected += diff["ci95"][0] > 0
        gains.append(diff["difference"])
        defects.append(int(y.sum()))
    return {
        "commits": n,
        "ai_bug_ratio": ratio,
        "defects_mean": round(float(np.mean(defects)), 1),
        "auc_gain_mean": round(float(np.mean(gains)), 4),
        "power": round(detected / max(1, len(gains)), 2),
    }


def run() -> dict:
    started = time.perf_counter()
    rows = [power(n, ratio) for ratio in RATIOS for n in SIZES]
    return {"ai_ablation_power": rows, "worlds_per_cell": WORLDS, "_seconds": round(time.perf_counter() - started, 1)}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
