"""Change risk: how likely a change is to fail in production, and why, from what this repository taught.

A just-in-time defect model per repository (Kamei et al. 2013 change features, plus what only Hindsight
knows: lines written by AI tools, production failures of the touched code, rule-pack findings on the
added lines), trained on the repository's own history with labels from production (attribution, SZZ
refined) and from SZZ on later fix commits; calibrated probabilities with per-feature reasons.

Public API (the CLI, the Dagster asset and the dashboard call these):

- `update_repository(con, repo_cfg, config=None, *, force=False) -> dict` / `update_all(con, config)`
    Incremental: new hunks, SZZ on new fix commits, rule-pack scan of new commits; retrain and rescore
    only when an input changed (otherwise no write at all).
- `review_change(con, repo, repo_path, base, head, model, *, model_info, production=None, pack=None) -> Review`
    Score base..head per commit and as one change set (commits need not be ingested).
- `latest_model(con, repo) -> StoredModel | None`, `load_model_file(path)`, `model_file_payload(...)`.
- `compute_features(con, repo, ...)`, `train(names, X, y)`, `time_split(...)`, `rolling(...)` — the
  pieces, for the benchmark and tests.
- `report.text / as_json / sarif / markdown(review)` — the four renderings.

Tables: core.risk_diffs, core.risk_hunks, core.risk_szz_fixes, core.risk_szz_links, core.risk_pack_scans,
core.risk_pack_findings, core.risk_features, core.risk_models, core.risk_scores, core.risk_state
(sql/schema/60_risk.sql); views change_risk, risk_models, risk_szz (sql/reference/60_risk.md).
"""

from models.risk.evaluate import rolling, time_split
from models.risk.features import compute_features
from models.risk.model import RiskModel, train
from models.risk.review import Review, ReviewError, load_model_file, model_file_payload, review_change
from models.risk.service import StoredModel, latest_model, update_all, update_repository

__all__ = [
    "Review",
    "ReviewError",
    "RiskModel",
    "StoredModel",
    "compute_features",
    "latest_model",
    "load_model_file",
    "model_file_payload",
    "review_change",
    "rolling",
    "time_split",
    "train",
    "update_all",
    "update_repository",
]
