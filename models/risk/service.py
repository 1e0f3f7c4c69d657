"""The stage's use case for stored history: bring a repository's risk model and scores up to date.

`update_repository` per configured repository, each step incremental:
1. hunks of commits never read (`core.risk_hunks`);
2. SZZ on fix commits never processed (`core.risk_szz_links`);
3. the current rule pack on commits never scanned with it (`core.risk_pack_findings`);
4. a digest of every input (stored history, labels, production crash sites, pack, code versions): when
   it equals the latest model's, nothing else happens (no write at all);
5. otherwise features of every non-merge commit (`core.risk_features`, one set per inputs version), a
   new model version trained on them (`core.risk_models`) and every commit scored with it
   (`core.risk_scores`, `in_training` = the score is in-sample). Older versions beyond `keep_versions`
   are pruned.

Settings (`[risk]` in hindsight.toml): `label_sources` (default both: "production", "szz_fix"),
`keep_versions` (3), `scan_pack` (true), `workers` (2, parallel git blame for SZZ).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl

from models.config import Config, RepositoryConfig
from models.history import git
from models.risk import features as feat
from models.risk.findings import current_pack, scan_history
from models.risk.hunks import read_new_hunks
from models.risk.labels import labels as load_labels
from models.risk.labels import run_szz
from models.risk.model import RiskModel, train
from models.risk.reasons import explain
from models.warehouse import execute, read_sql, run_sql_file, unit_of_work

MODEL_CODE_VERSION = 1  # bump when training changes: every repository retrains on the next run


@dataclass(frozen=True)
class StoredModel:
    repo: str
    version: int
    created_at: object
    inputs_digest: str
    features_version: str
    n_train: int
    n_positive: int
    model: RiskModel
    metrics: dict


def latest_model(con: duckdb.DuckDBPyConnection, repo: str) -> StoredModel | None:
    """The newest stored model of `repo` with its metadata, or None when it has none."""
    rows = con.execute(read_sql("queries/risk/select_latest_model"), {"repo": repo}).fetchall()
    if not rows:
        return None
    version, created, digest, fv, n, pos, params, metrics = rows[0]
    params = json.loads(params) if isinstance(params, str) else params
    metrics = json.loads(metrics) if isinstance(metrics, str) else (metrics or {})
    return StoredModel(repo, version, created, digest, fv, n, pos, RiskModel.from_dict(params), metrics)


def _production_digest(production: feat.Production) -> str:
    h = hashlib.sha256()
    for frame in (production.crash_sites, production.incident_links):
        h.update(frame.sort(frame.columns).write_csv().encode())
    return h.hexdigest()[:16]


def inputs_digest(
    con, repo: str, pack_version: str | None, production: feat.Production, label_sources
) -> str:
    extra = json.dumps(
        {
            "features": feat.FEATURES_CODE_VERSION,
            "model": MODEL_CODE_VERSION,
            "labels": sorted(label_sources),
            "production": _production_digest(production),
        }
    )
    row = con.execute(
        read_sql("queries/risk/select_inputs_digest"), {"repo": repo, "pack": pack_version, "extra": extra}
    )
    return row.fetchall()[0][0]


def label_vector(frame: pl.DataFrame, labels: pl.DataFrame, sources) -> tuple[np.ndarray, list[list[str]]]:
    """1 for every commit of `frame` labelled defect-inducing by one of `sources`, with the sources per row."""
    labels = labels.filter(pl.col("source").is_in(list(sources)))
    by_sha: dict[str, list[str]] = {}
    for sha, source in labels.select("sha", "source").iter_rows():
        by_sha.setdefault(sha, []).append(source)
    srcs = [sorted(set(by_sha.get(s, []))) for s in frame["sha"]]
    return np.array([bool(s) for s in srcs], dtype=int), srcs


def evidence_rows(frame: pl.DataFrame) -> list[dict]:
    return frame.select("prod_cluster_ids", "prod_paths", "pack_rules", "ai_tools").to_dicts()


def score_frame(model: RiskModel, frame: pl.DataFrame) -> pl.DataFrame:
    """sha, probability, risk_level, reasons (list of dicts) for every row of a features frame."""
    X = frame.select(model.features).to_numpy()
    p = model.predict_proba(X)
    reasons = explain(model, X, evidence_rows(frame))
    return pl.DataFrame({
        "sha": frame["sha"], "probability": p, "risk_level": [model.level(v) for v in p],
        "reasons": [json.dumps(r) for r in reasons],
    })  # fmt: skip


def _store_training(
    con,
    repo: str,
    version: int,
    digest: str,
    fv: str,
    frame: pl.DataFrame,
    y,
    srcs,
    model: RiskModel | None,
    report: dict,
    keep: int,
) -> int:
    feats = frame.select(
        pl.lit(repo).alias("repo"), pl.lit(fv).alias("features_version"), "sha", "committed_at",
        pl.struct(feat.ALL_FEATURES).struct.json_encode().alias("features"),
        pl.Series("label", y.astype(bool)), pl.Series("label_sources", srcs, dtype=pl.List(pl.Utf8)),
    )  # fmt: skip
    scored = 0
    with unit_of_work(con, risk_features_batch=feats):
        run_sql_file(con, "queries/risk/insert_features")
        if model is not None:
            run_sql_file(con, "queries/risk/insert_model", {
                "repo": repo, "version": version, "digest": digest, "features_version": fv,
                "n_train": len(y), "n_positive": int(y.sum()), "params": json.dumps(model.to_dict()),
                "metrics": json.dumps(report, default=str),
            })  # fmt: skip
            scores = score_frame(model, frame).with_columns(
                pl.lit(repo).alias("repo"),
                pl.lit(version).alias("model_version"),
                pl.lit(True).alias("in_training"),
            )
            execute(con, read_sql("queries/risk/insert_scores"), risk_scores_batch=scores)
            scored = scores.height
            for name in ("delete_old_scores", "delete_old_features", "delete_old_models"):
                run_sql_file(con, f"queries/risk/{name}", {"repo": repo, "keep": keep})
        run_sql_file(
            con,
            "queries/risk/upsert_state",
            {"repo": repo, "digest": digest, "outcome": "trained" if model else "no_labels"},
        )
    return scored


def update_repository(
    con: duckdb.DuckDBPyConnection,
    repo_cfg: RepositoryConfig,
    config: Config | None = None,
    *,
    force: bool = False,
) -> dict:
    """Bring one repository's model and scores up to date (see the module docstring); returns counts."""
    started = time.perf_counter()
    s = (config or Config()).risk
    repo, path = repo_cfg.name, repo_cfg.path
    git.check_repository(path)
    out: dict = {"repo": repo, "hunks": read_new_hunks(con, repo, path)}
    out["szz"] = run_szz(con, repo, path, workers=s.workers)
    pack = current_pack(con) if s.scan_pack else None
    out["pack"] = pack.version if pack else None
    out["pack_scan"] = scan_history(con, repo, path, pack) if pack else {"commits": 0, "findings": 0}
    production = feat.load_production(con, repo)
    digest = inputs_digest(con, repo, pack.version if pack else None, production, list(s.label_sources))
    latest = latest_model(con, repo)
    state = next(iter(con.execute(read_sql("queries/risk/select_state"), {"repo": repo}).fetchall()), None)
    if state is not None and state[0] == digest and not force:
        out.update(
            mode="unchanged",
            outcome=state[1],
            version=latest.version if latest else None,
            n_train=latest.n_train if latest else 0,
            n_positive=latest.n_positive if latest else 0,
            scored=0,
            seconds=round(time.perf_counter() - started, 3),
        )
        return out
    frame = feat.compute_features(
        con, repo, pack_version=pack.version if pack else None, production=production
    )
    y, srcs = label_vector(frame, load_labels(con, repo), list(s.label_sources))
    fv = hashlib.sha256(f"{digest}".encode()).hexdigest()[:16]
    version = (latest.version if latest else 0) + 1
    model, report = None, {}
    if frame.height and 0 < y.sum() < len(y):
        X = frame.select(feat.ALL_FEATURES).to_numpy()
        model, report = train(feat.ALL_FEATURES, X, y)
        report["label_sources"] = list(s.label_sources)
        report["labels_by_source"] = {src: sum(src in r for r in srcs) for src in list(s.label_sources)}
    scored = _store_training(
        con, repo, version, digest, fv, frame, y, srcs, model, report, s.keep_versions
    )
    out.update(
        mode="trained" if model else "no_labels", version=version if model else None, n_train=len(y),
        n_positive=int(y.sum()), scored=scored, seconds=round(time.perf_counter() - started, 3),
    )  # fmt: skip
    if model is None:
        out["reason"] = (
            "no commit is labelled defect-inducing yet (no production failure attributed, no fix "
            "commit blamed)"
            if not y.sum()
            else "every commit is labelled defect-inducing"
        )
    return out


def update_all(
    con: duckdb.DuckDBPyConnection, config: Config, *, repo: str | None = None, force: bool = False
) -> list[dict]:
    """`update_repository` for every configured repository (or only `repo`)."""
    repos = [config.repository(repo)] if repo else list(config.repositories)
    return [update_repository(con, r, config, force=force) for r in repos]


def commit_url(config: Config, repo: str) -> str | None:
    """The repository's `commit_url` template from hindsight.toml (with `{sha}`), for links; None when unset."""
    for entry in config.repositories:
        url = entry.commit_url
        if entry.name == repo and url and "{sha}" in url:
            return url if url.startswith(("https://", "http://")) else None
    return None
