"""Review a change before it ships: score base..head per commit and as one change set, with reasons.

The commits under review need not be in the warehouse: their metadata, files, hunks, AI origin (commit
markers and git-ai notes) are read from git and joined to the stored history of the repository, so
history and experience features see everything that came before. The change set is scored as one
change (the diff from the merge base to head, as a squash merge would land it), with history features
as of just before its first commit and AI lines summed over its commits.

The rule pack (semgrep + ruff) runs on the changed files in a background thread while the features
are computed; its findings on added lines feed `pack_findings` and the SARIF output.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import duckdb
import polars as pl

from models.errors import InputError
from models.history import git
from models.history.git import GitError
from models.history.logparse import parse_log
from models.history.markers import MarkerSet, classify_frame, load_markers
from models.history.notes import notes_frame
from models.risk import features as feat
from models.risk.findings import Pack, scan_changes
from models.risk.gitdiff import diff_hunks, diff_numstat, stream_hunks
from models.risk.hunks import hunks_frame
from models.risk.model import RiskModel
from models.risk.reasons import explain

CHANGE_SET = "change-set"
MAX_COMMITS = 500


class ReviewError(InputError, ValueError):
    """The review cannot run (unknown revision, empty range, no model): the message says what to do."""


@dataclass
class ScoredChange:
    key: str  # commit sha, or CHANGE_SET
    subject: str
    author: str
    committed_at: str | None
    probability: float
    level: str
    reasons: list[dict]
    features: dict
    ai_tools: list[str] = field(default_factory=list)


@dataclass
class Review:
    repo: str
    base: str
    head: str
    base_sha: str
    head_sha: str
    merge_base: str
    model: dict  # {version, created_at, n_train, n_positive, base_rate, source}
    change_set: ScoredChange | None
    commits: list[ScoredChange]
    findings: list[dict]  # {sha, rule_id, path, line, message}
    notes: list[str]
    seconds: dict
    anchors: dict = field(
        default_factory=dict
    )  # key -> (path, line) of its largest added hunk (SARIF location)

    def to_dict(self) -> dict:
        def sc(c: ScoredChange | None):
            return None if c is None else {**c.__dict__, "probability": round(c.probability, 4)}

        return {
            "repo": self.repo, "base": self.base, "head": self.head, "base_sha": self.base_sha,
            "head_sha": self.head_sha, "merge_base": self.merge_base, "model": self.model,
            "change_set": sc(self.change_set), "commits": [sc(c) for c in self.commits],
            "findings": self.findings, "notes": self.notes, "seconds": self.seconds,
            "anchors": {k: {"path": p, "line": n} for k, (p, n) in self.anchors.items()},
        }  # fmt: skip


def _resolve(path: Path, rev: str, what: str) -> str:
    sha = git.resolve_commit(path, rev)
    if sha is None:
        raise ReviewError(
            f"{what} {rev!r} names no commit in {path} (fetch it first, e.g. `git fetch origin {rev}`)"
        )
    return sha


def _new_commits(
    path: Path, repo: str, base: str, head: str, markers: MarkerSet
) -> tuple[pl.DataFrame, pl.DataFrame]:
    commits, files = [], []
    for batch in parse_log(git.stream_log(path, [head], [base]), repo, 1000):
        commits.append(batch.commits)
        files.append(batch.files)
    commits_df = pl.concat(commits) if commits else pl.DataFrame()
    files_df = pl.concat(files) if files else pl.DataFrame()
    return commits_df, files_df


def _ai_ranges(path: Path, repo: str, shas: set[str]) -> pl.DataFrame:
    if not git.notes_head(path, "refs/notes/ai"):
        return pl.DataFrame(schema=feat.RANGE_SCHEMA)
    pairs = [(b, s) for b, s in git.notes_list(path, "refs/notes/ai") if s in shas]
    blobs = git.read_blobs(path, [b for b, _ in pairs])
    ranges, _ = notes_frame(repo, ((s, blobs[b]) for b, s in pairs if b in blobs))
    return ranges.select(list(feat.RANGE_SCHEMA)) if ranges.height else pl.DataFrame(schema=feat.RANGE_SCHEMA)


def _scored(model: RiskModel, frame: pl.DataFrame, meta: dict) -> list[ScoredChange]:
    X = frame.select(model.features).to_numpy()
    p = model.predict_proba(X)
    evidence = frame.select("prod_cluster_ids", "prod_paths", "pack_rules", "ai_tools").to_dicts()
    reasons = explain(model, X, evidence)
    out = []
    for i, row in enumerate(frame.iter_rows(named=True)):
        m = meta.get(row["sha"], {})
        out.append(ScoredChange(
            key=row["sha"], subject=m.get("subject", ""), author=m.get("author", ""),
            committed_at=str(row["committed_at"]) if row["committed_at"] is not None else None,
            probability=float(p[i]), level=model.level(float(p[i])), reasons=reasons[i],
            features={n: row[n] for n in model.features}, ai_tools=list(row["ai_tools"] or []),
        ))  # fmt: skip
    return out


def review_change(
    con: duckdb.DuckDBPyConnection,
    repo: str,
    repo_path: Path,
    base: str,
    head: str,
    model: RiskModel,
    *,
    model_info: dict,
    production: feat.Production | None = None,
    pack: Pack | None = None,
    markers: MarkerSet | None = None,
) -> Review:
    """Score every non-merge commit of base..head and the change set as a whole (see module doc)."""
    t0 = time.perf_counter()
    repo_path = Path(repo_path)
    try:
        git.check_repository(repo_path)
    except GitError as exc:
        raise ReviewError(str(exc)) from None
    base_sha, head_sha = _resolve(repo_path, base, "base"), _resolve(repo_path, head, "head")
    merge_base = git.git_text(repo_path, ["merge-base", base_sha, head_sha], check=False).strip() or base_sha
    commits, files = _new_commits(repo_path, repo, base_sha, head_sha, markers or load_markers())
    if commits.is_empty():
        raise ReviewError(f"no commit in {base}..{head}: nothing to review")
    if commits.height > MAX_COMMITS:
        raise ReviewError(
            f"{commits.height} commits in {base}..{head} (more than {MAX_COMMITS}): is the base right?"
        )
    non_merge = commits.filter(pl.col("parents").list.len() <= 1)
    shas = non_merge["sha"].to_list()
    ai = classify_frame(commits, markers or load_markers())
    new_commits = commits.join(ai.select("sha", "ai_authored", "ai_tool"), on="sha", how="left").select(
        "sha", pl.coalesce("author_email", "author_name", pl.lit("")).str.to_lowercase().alias("author_key"),
        pl.col("committer_time").alias("committed_at"), pl.col("message").fill_null(""),
        (pl.col("parents").list.len() > 1).alias("is_merge"), pl.col("ai_authored").fill_null(False), "ai_tool",
    )  # fmt: skip
    diffs = list(stream_hunks(repo_path, shas))
    hunks = hunks_frame(repo, diffs).drop("repo", "old_path")
    notes = [
        f"{d.sha[:12]}: unreadable file {p} (missing blob), its lines are not counted"
        for d in diffs
        for p in d.unreadable
    ]
    ranges = _ai_ranges(repo_path, repo, set(shas))
    t_git = time.perf_counter()

    # The change set: one synthetic commit, just before the first commit of the range.
    set_files = pl.DataFrame(
        [(CHANGE_SET, p, o, a, d) for p, o, a, d in diff_numstat(repo_path, merge_base, head_sha)],
        schema=feat.FILE_SCHEMA,
        orient="row",
    )
    set_diff = diff_hunks(repo_path, merge_base, head_sha, CHANGE_SET)
    set_hunks = hunks_frame(repo, [set_diff]).drop("repo", "old_path")
    first = new_commits["committed_at"].min()
    head_row = new_commits.filter(pl.col("sha") == head_sha)
    set_commit = pl.DataFrame({
        "sha": [CHANGE_SET], "author_key": [(head_row["author_key"][0] if head_row.height else new_commits["author_key"][0])],
        "committed_at": [first - timedelta(seconds=1)], "message": ["\n".join(new_commits["message"].to_list())],
        "is_merge": [False], "ai_authored": [False], "ai_tool": [None],
    }, schema=feat.COMMIT_SCHEMA)  # fmt: skip

    found: dict = {}
    scan = None
    if pack is not None:

        def run_scan():
            try:
                both = pl.concat([hunks, set_hunks])
                found["frame"] = scan_changes(pack, repo_path, both, {CHANGE_SET: head_sha})
            except Exception as exc:  # noqa: BLE001 - a linter failure must not lose the review
                found["error"] = str(exc)[:300]

        scan = threading.Thread(target=run_scan, name="hindsight-risk-scan")
        scan.start()

    production = production if production is not None else feat.load_production(con, repo)
    per_commit = feat.compute_features(
        con, repo, targets=shas, production=production,
        new=feat.NewChanges(commits=new_commits, files=files.select(list(feat.FILE_SCHEMA)), hunks=hunks, ai_ranges=ranges),
    ) if shas else None  # fmt: skip
    change_set = feat.compute_features(
        con,
        repo,
        targets=[CHANGE_SET],
        production=production,
        new=feat.NewChanges(commits=set_commit, files=set_files, hunks=set_hunks),
    )
    t_features = time.perf_counter()
    findings = pl.DataFrame(schema=feat.FINDING_SCHEMA)
    if scan is not None:
        scan.join()
        if "error" in found:
            notes.append(f"rule pack scan failed: {found['error']}")
        else:
            findings = found["frame"]
    t_scan = time.perf_counter()

    def with_pack(frame: pl.DataFrame | None) -> pl.DataFrame | None:
        if frame is None:
            return None
        counts = findings.group_by("sha").agg(
            pl.len().cast(pl.Float64).alias("_n"), pl.col("rule_id").unique().sort().alias("_r")
        )
        return (
            frame.join(counts, on="sha", how="left")
            .with_columns(
                pl.col("_n").fill_null(0.0).alias("pack_findings"), pl.col("_r").alias("pack_rules")
            )
            .drop("_n", "_r")
        )

    per_commit, change_set = with_pack(per_commit), with_pack(change_set)
    if per_commit is not None and per_commit.height:  # AI lines of the set: summed over its commits
        sums = per_commit.select([pl.col(n).sum() for n in feat.AI])
        tools = sorted({t for ts in per_commit["ai_tools"].to_list() if ts for t in ts})
        change_set = change_set.with_columns(
            [pl.lit(float(sums[n][0])).alias(n) for n in feat.AI]
            + [pl.lit(tools, dtype=pl.List(pl.Utf8)).alias("ai_tools")]
        )
    meta = {
        r["sha"]: {"subject": r["subject"] or "", "author": r["author_name"] or ""}
        for r in commits.select("sha", "subject", "author_name").iter_rows(named=True)
    }
    meta[CHANGE_SET] = {
        "subject": f"{base}..{head} ({len(shas)} commits)",
        "author": meta.get(head_sha, {}).get("author", ""),
    }
    scored = _scored(model, per_commit, meta) if per_commit is not None else []
    set_scored = _scored(model, change_set, meta)[0]
    messages = pack.messages if pack else {}
    finding_rows = [
        {**r, "message": messages.get(r["rule_id"], "")}
        for r in findings.sort("sha", "path", "line").to_dicts()
    ]
    anchors = {}
    for sha, path, start, n in (
        pl.concat([hunks, set_hunks])
        .filter(pl.col("new_lines") > 0)
        .sort("new_lines", descending=True)
        .select("sha", "path", "new_start", "new_lines")
        .iter_rows()
    ):
        anchors.setdefault(sha, (path, start))
    return Review(
        repo=repo, base=base, head=head, base_sha=base_sha, head_sha=head_sha, merge_base=merge_base,
        model=model_info, change_set=set_scored, commits=sorted(scored, key=lambda c: -c.probability),
        findings=finding_rows, notes=notes,
        seconds={"git": round(t_git - t0, 3), "features": round(t_features - t_git, 3),
                 "pack_scan_wait": round(t_scan - t_features, 3), "total": round(time.perf_counter() - t0, 3)},
        anchors=anchors,
    )  # fmt: skip


# -- models shipped as files (CI without a warehouse) ------------------------------------------------
MODEL_FILE_FORMAT = "hindsight-risk-model/1"


def model_file_payload(repo: str, stored, production: feat.Production) -> dict:
    """The JSON a CI job needs to review without the warehouse: the model and what production showed."""
    return {
        "format": MODEL_FILE_FORMAT, "repo": repo, "version": stored.version, "created_at": str(stored.created_at),
        "n_train": stored.n_train, "n_positive": stored.n_positive, "model": stored.model.to_dict(),
        "metrics": stored.metrics, "production": production.to_dict(),
    }  # fmt: skip


def load_model_file(path: Path) -> tuple[str, RiskModel, feat.Production, dict]:
    """(repo, model, production, info) from a model file; ReviewError when it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReviewError(f"cannot read model file {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != MODEL_FILE_FORMAT:
        raise ReviewError(f"{path} is not a Hindsight risk model file (format {MODEL_FILE_FORMAT})")
    model = RiskModel.from_dict(data["model"])
    info = {k: data.get(k) for k in ("version", "created_at", "n_train", "n_positive")}
    info.update(base_rate=model.base_rate, source=str(path))
    return data["repo"], model, feat.Production.from_dict(data.get("production") or {}), info


def model_summary(model: RiskModel, stored=None, source: str = "warehouse") -> dict:
    base = {"base_rate": round(model.base_rate, 4), "source": source, "thresholds": model.thresholds}
    if stored is not None:
        base.update(
            version=stored.version,
            created_at=str(stored.created_at),
            n_train=stored.n_train,
            n_positive=stored.n_positive,
        )
    return base
