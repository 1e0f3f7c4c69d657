"""Feedback-stage bars, measured with real semgrep and ruff: the demo world (`hindsight demo`) for recall,
a corpus of real open-source Python from PyPI for precision (`benchmarks.feedback_corpus`).

Recall is held out by cluster: a crash site counts for a rule only when the rule was not built from the
site's cluster (catalog and ruff rules were built from none; a mined rule from its own cluster), shown
next to the recall on a rule's own sites. Noise is findings per 1,000 lines of code that never failed.

Demo inputs:
- `oracle`: the warehouse tables the feedback stage reads (clusters, crash sites, blame, AI origin,
  fix commits) filled from the demo's `ground_truth.json` - measures this stage alone.
- `pipeline`: the warehouse the real upstream stages build (`hindsight run` on the demo); reported
  when the pipeline runs end to end, else its error.
Figures: rule counts, offline validation, `semgrep scan --test`, ruff both ways, SARIF, recall on
crash sites, false positives on fixed lines, share of findings on never-failed code, timings.
Run: `.venv/bin/python -m benchmarks.run feedback` (or `python -m benchmarks.feedback`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

DEMO_AVAILABLE = importlib.util.find_spec("demo") is not None  # the demo package ships beside the core
INJECTION_NEEDLE = "ignore previous instructions"


def _ts(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)  # 3.11 reads a trailing Z
    return parsed.replace(tzinfo=None) - (parsed.utcoffset() or timedelta(0))


def load_oracle(con, truth: dict) -> int:
    """Fill the feedback stage's input tables from the demo's ground truth; returns crash sites."""
    sha = {r["release"]: r["sha"] for r in truth["releases"]}
    con.execute("INSERT INTO core.repositories (repo, path, default_branch) VALUES ('shop', ?, 'main')", [truth["repo"]])
    ai = [(c["sha"], c["ai_tool"]) for c in truth["commits"] if c.get("ai_authored")]
    if ai:
        con.executemany(
            "INSERT INTO core.commit_ai (repo, sha, origin, ai_authored, ai_tool) VALUES ('shop', ?, 'ai_authored', TRUE, ?)", ai
        )
    injected = truth.get("prompt_injection", {})
    now = datetime(2026, 11, 24)
    sites = 0
    for bug in truth["bugs"]:
        cid = bug["bug_id"]
        title = f"{bug['failure_class']}: {bug['description'][:60]}"
        if injected.get("bug_id") == cid:
            title = f"CalledProcessError: {injected['text']}"  # the planted text reaches the cluster title
        first = min(_ts(r["deployed_at"]) for r in truth["releases"] if r["release"] in {s["release"] for s in bug["crash_sites"]})
        con.execute(
            "INSERT INTO core.clusters (cluster_id, status, title, failure_class, first_seen, last_seen, event_count,"
            " releases, created_at, updated_at) VALUES (?, 'active', ?, ?, ?, ?, ?, ?, ?, ?)",
            [cid, title, bug["failure_class"], first, _ts(truth["period"]["end"]), bug["event_count"],
             sorted({s["release"] for s in bug["crash_sites"]}), now, now],
        )
        con.execute("INSERT INTO core.cluster_members VALUES (?, 'fingerprint', ?, ?)", [f"fp-{cid}", cid, now])
        for k, site in enumerate(bug["crash_sites"]):
            rev = sha[site["release"]]
            prefix = f"{cid}-{k}"
            con.execute(
                "INSERT INTO core.event_fingerprints (event_id, fingerprint, variant) SELECT ? || '-' || i, ?, 'app'"
                " FROM range(?) t(i)", [prefix, f"fp-{cid}", max(site["events"], 1)],
            )
            con.execute(
                "INSERT INTO core.frame_resolutions (event_id, exception_index, frame_index, repo, revision, repo_path,"
                " line, status) SELECT ? || '-' || i, 0, 0, 'shop', ?, ?, ?, 'resolved' FROM range(?) t(i)",
                [prefix, rev, site["path"], site["lineno"], max(site["events"], 1)],
            )
            con.execute(
                "INSERT OR IGNORE INTO core.blame_lines (repo, revision, path, line, commit_sha) VALUES ('shop', ?, ?, ?, ?)",
                [rev, site["path"], site["lineno"], site.get("blame_ignore_revs_commit") or site["blame_commit"]],
            )
            sites += 1
        if bug.get("fixed_commit"):
            con.execute(
                "INSERT INTO core.suspect_commit_scores (cluster_id, repo, commit_sha, rank, score, method, fix_commit)"
                " VALUES (?, 'shop', ?, 1, 1.0, 'szz', ?)", [cid, bug["planted_commit"], bug["fixed_commit"]],
            )
    return sites


def measure(con, config, pack_root: Path, guidance_root: Path) -> dict:
    from models.feedback import evaluate_pack, release_guidance, release_rules
    from models.feedback.checks import (
        check_ruff_config,
        check_sarif,
        check_semgrep_examples,
        check_semgrep_valid,
    )

    t0 = time.perf_counter()
    pack, result = release_rules(con, config, pack_root)
    t_release = time.perf_counter() - t0
    t0 = time.perf_counter()
    guidance = release_guidance(con, config, out_dir=guidance_root)
    t_guidance = time.perf_counter() - t0
    t0 = time.perf_counter()
    ev = evaluate_pack(con, config, pack)
    t_eval = time.perf_counter() - t0
    # The candidate before selection: mined rules scored on their own sites and on other clusters' sites.
    from models.feedback.evaluation import scan_pack, score
    from models.feedback.synthesis import synthesize_rules

    candidate = synthesize_rules(con, config)
    cev = score(scan_pack(con, config, candidate), candidate)
    candidate_mined = {rid: {"own": f"{sc.own_flagged}/{sc.own_sites}", "heldout": f"{sc.heldout_flagged}/{sc.heldout_sites}"}
                       for rid, sc in cev.rules.items() if ".mined." in rid}
    cur = con.execute(
        "SELECT rule_id, severity, heldout_sites_flagged || '/' || heldout_sites, own_sites_flagged || '/' || own_sites,"
        " round(noise_per_kloc, 2), head_findings, severity_reason FROM rule_efficacy WHERE pack_version = ?"
        " ORDER BY engine DESC, rule_id", [result.version])
    per_rule = {r[0]: {"severity": r[1], "heldout": r[2], "own": r[3], "noise_per_kloc": r[4], "head_findings": r[5],
                       "why": r[6]} for r in cur.fetchall()}
    manifest = json.loads((result.path / "manifest.json").read_text())
    t0 = time.perf_counter()
    checks = {fn.__name__: fn(result.path) for fn in (check_semgrep_valid, check_semgrep_examples, check_ruff_config, check_sarif)}
    t_checks = time.perf_counter() - t0
    leaked = []
    for p in [*result.path.rglob("*"), *guidance.out_dir.rglob("*")]:
        if p.is_file():
            import re

            from models.feedback.safety import EVIDENCE_BEGIN, EVIDENCE_END

            text = re.sub(re.escape(EVIDENCE_BEGIN) + ".*?" + re.escape(EVIDENCE_END), "", p.read_text(), flags=re.DOTALL)
            if INJECTION_NEEDLE in text.lower():
                leaked.append(str(p.relative_to(p.parents[1])))
    s = ev.summary()
    return {
        "pack_version": result.version,
        "semgrep_rules": len(pack.semgrep_rules),
        "mined_rules": sum(r.origin == "mined" for r in pack.rules),
        "classes": sorted(pack.evidence),
        "ruff_codes": len(pack.ruff_codes),
        "checks": {k: {"ok": ok, "detail": d[:300]} for k, (ok, d) in checks.items()},
        "heldout_recall": s["heldout_recall"],
        "heldout_sites": s["heldout_sites"],
        "own_site_recall": s["own_site_recall"],
        "own_sites": s["own_sites"],
        "holdout": "by cluster",
        "noise_per_kloc_head": s["noise_per_kloc"],
        "head_duplicates": ev.head_duplicates,
        "per_rule": per_rule,
        "candidate_mined_rules": candidate_mined,
        "candidate_own_site_recall": cev.own_site_recall,
        "candidate_heldout_recall": cev.heldout_recall,
        "not_shipped": manifest["not_shipped"],
        "recall_any_rule": s["recall"],
        "crash_sites": f"{ev.crash_sites_flagged}/{ev.crash_sites}",
        "missed_sites": ev.missed_sites,
        "fixed_fp_rate": s["fixed_fp_rate"],
        "fixed_sites": f"{ev.fixed_sites_flagged}/{ev.fixed_sites}",
        "flagged_fixes": ev.flagged_fixes,
        "head_never_failed_share": s["head_never_failed_share"],
        "head_never_failed": f"{ev.head_unfailed}/{ev.head_findings}",
        "failing_revisions_never_failed_share": s["never_failed_share"],
        "failing_revisions_never_failed": f"{ev.unfailed_findings}/{ev.failing_findings}",
        "never_failed_locations": ev.unfailed_locations[:20],
        "head_kloc": s["head_kloc"],
        "demoted": s["demoted"],
        "guidance_files": len(guidance.files),
        "injection_outside_evidence": leaked,
        "seconds": {"release": round(t_release, 1), "guidance": round(t_guidance, 1),
                    "evaluate": round(t_eval, 1), "checks": round(t_checks, 1)},
        "bars": {
            "rules_validate": checks["check_semgrep_valid"][0],
            "semgrep_test": checks["check_semgrep_examples"][0],
            "ruff_both_ways": checks["check_ruff_config"][0],
            "sarif_valid": checks["check_sarif"][0],
            "heldout_recall_ge_90": (s["heldout_recall"] or 0) >= 0.9,
            "one_finding_per_site_at_head": ev.head_duplicates == 0,
            "fixed_fp_le_10": (s["fixed_fp_rate"] or 0) <= 0.10,
            "never_failed_le_10_at_head": (s["head_never_failed_share"] or 0) <= 0.10,
        },
    }


def run() -> dict:
    from benchmarks.feedback_corpus import run_corpus

    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="hindsight-bench-corpus-") as tmp:
        out["real_code"] = run_corpus(Path(tmp))
    if not DEMO_AVAILABLE:
        return {**out, "demo": {"skipped": "the demo package is absent: no demo world to measure on"}}
    out.update(run_demo())
    summary = {"real_code_noise_per_kloc": {w: out["real_code"]["pack"][w]["per_kloc"] for w in ("tune", "heldout", "all")},
               "peer_ruff_noise_per_kloc": out["real_code"]["peer_ruff_class_codes"]["all"]["per_kloc"]}
    for key in ("oracle", "pipeline"):
        fig = out.get(key, {})
        if "heldout_recall" in fig:
            summary[f"{key}_heldout_recall"] = fig["heldout_recall"]
            summary[f"{key}_own_site_recall"] = fig["own_site_recall"]
            summary[f"{key}_noise_per_kloc_head"] = fig["noise_per_kloc_head"]
    return {"summary": summary, **out}


def run_demo() -> dict:
    from demo.generate import generate
    from models.config import load_config
    from models.warehouse import connect

    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="hindsight-bench-feedback-") as tmp:
        demo = Path(tmp) / "demo"
        t0 = time.perf_counter()
        generate(demo, seed=7)
        out["demo_generate_s"] = round(time.perf_counter() - t0, 1)
        truth = json.loads((demo / "ground_truth.json").read_text())
        config = load_config(demo / "hindsight.toml")

        con = connect(Path(tmp) / "oracle.duckdb")
        try:
            load_oracle(con, truth)
            out["oracle"] = measure(con, config, Path(tmp) / "oracle-packs", Path(tmp) / "oracle-guidance")
        finally:
            con.close()

        t0 = time.perf_counter()
        env = {**os.environ, "HINDSIGHT_CONFIG": str(demo / "hindsight.toml"), "DAGSTER_HOME": str(Path(tmp) / "dg")}
        (Path(tmp) / "dg").mkdir()
        (Path(tmp) / "dg" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        proc = subprocess.run([str(Path(sys.executable).parent / "hindsight"), "run"], cwd=demo, env=env,
                              capture_output=True, text=True, timeout=1800, check=False)
        out["pipeline_run_s"] = round(time.perf_counter() - t0, 1)
        if proc.returncode != 0:
            out["pipeline"] = {"error": (proc.stderr or proc.stdout)[-600:]}
        else:
            con = connect(config.warehouse)
            try:
                out["pipeline"] = measure(con, config, Path(tmp) / "pipeline-packs", Path(tmp) / "pipeline-guidance")
            except ValueError as exc:
                out["pipeline"] = {"error": str(exc)}
            finally:
                con.close()
    return out


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, default=str))
