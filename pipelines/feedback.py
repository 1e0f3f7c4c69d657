"""Dagster definitions of the feedback stage: rule pack -> guidance, and rule efficacy.

Thin shell over `models.feedback`. Only `rule_pack` releases (idempotent: an unchanged pack keeps its
version); `guidance` and `rule_efficacy` read the released pack and never publish one.
(No `from __future__ import annotations`: Dagster reads the real annotation of `context`.)
"""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from models.feedback import evaluate_pack, release_guidance, release_rules, released_pack
from models.feedback.checks import check_ruff_config, check_sarif, check_semgrep_examples, check_semgrep_valid
from models.feedback.pack import PackValidationError, latest_pack
from models.feedback.service import NothingToRelease, stored_evaluation
from pipelines.resources import HindsightConfigResource, warehouse_connection

NO_PACK = "no failure class of the catalog seen in production yet"


def _release(con, config):
    """The current pack; a pack that fails validation fails the asset with the rule and the reason."""
    try:
        return release_rules(con, config)
    except PackValidationError as exc:
        raise dg.Failure(description=str(exc)) from None


def _with_pack(context, duckdb: DuckDBResource, hindsight: HindsightConfigResource, work):
    """`work(con, config)` on the warehouse; None when there is no pack (no class seen, nothing released
    yet): logged, not a failure."""
    config = hindsight.load()
    with warehouse_connection(duckdb) as con:
        try:
            return work(con, config)
        except NothingToRelease as exc:
            context.log.info(str(exc))
            return None


def _measured(con, config):
    """The released pack and its figures (measured at release; evaluated again when missing)."""
    pack = released_pack(con, config)
    figures = stored_evaluation(con, pack.version)
    if figures is None:
        evaluate_pack(con, config, pack)
        figures = stored_evaluation(con, pack.version)
    return pack, figures


@dg.asset(
    name="rule_pack",
    group_name="feedback",
    deps=["clusters", "suspect_commits", "change_risk"],  # change_risk: the pack carries its models
    kinds={"semgrep", "ruff", "duckdb"},
    description="Versioned rule pack (catalog + mined semgrep rules, ruff config, SARIF, README, CI files) "
    "under `<exports>/rulepacks/<version>/`; core.rule_packs, core.rules.",
)
def rule_pack_asset(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, hindsight: HindsightConfigResource
) -> dg.MaterializeResult:
    released = _with_pack(context, duckdb, hindsight, _release)
    if released is None:
        return dg.MaterializeResult(metadata={"released": False, "reason": NO_PACK})
    pack, result = released
    for note in pack.notes:
        context.log.warning(note)
    return dg.MaterializeResult(
        metadata={
            **({"note": "; ".join(pack.notes)} if pack.notes else {}),
            "version": result.version,
            "released": result.released,
            "path": dg.MetadataValue.path(str(result.path)),
            "semgrep_rules": len(pack.semgrep_rules),
            "mined_rules": sum(r.origin == "mined" for r in pack.rules),
            "ruff_codes": len(pack.ruff_codes),
            "severities": dg.MetadataValue.json({sev: sum(r.severity == sev for r in pack.rules)
                                                 for sev in ("ERROR", "WARNING", "INFO")}),
            "classes": dg.MetadataValue.json(sorted(pack.evidence)),
        }
    )


@dg.asset(
    name="guidance",
    group_name="feedback",
    deps=["rule_pack"],
    kinds={"markdown", "duckdb"},
    description="AGENTS.md / CLAUDE.md / GEMINI.md / Cursor / Copilot / Windsurf guidance of the released "
    "pack (`<pack>/guidance/`; core.guidance_files).",
)
def guidance_asset(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, hindsight: HindsightConfigResource
) -> dg.MaterializeResult:
    result = _with_pack(context, duckdb, hindsight, release_guidance)
    if result is None:
        return dg.MaterializeResult(metadata={"written": 0, "reason": NO_PACK})
    return dg.MaterializeResult(
        metadata={"version": result.version, "written": len(result.files), "path": dg.MetadataValue.path(str(result.out_dir)),
                  "bytes": dg.MetadataValue.json(result.files)}
    )


@dg.asset(
    name="rule_efficacy",
    group_name="feedback",
    deps=["rule_pack"],
    kinds={"semgrep", "ruff", "duckdb"},
    description="The released pack's efficacy: recall on crash sites held out by cluster and on its own, false "
    "positives on fixed lines, noise on never-failed code at HEAD (measured at release; evaluated again when "
    "missing); core.rule_evaluations, core.pack_evaluations; view rule_efficacy.",
)
def rule_efficacy_asset(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, hindsight: HindsightConfigResource
) -> dg.MaterializeResult:
    measured = _with_pack(context, duckdb, hindsight, _measured)
    if measured is None:
        return dg.MaterializeResult(metadata={"evaluated": False, "reason": NO_PACK})
    pack, figures = measured
    return dg.MaterializeResult(
        metadata={
            "version": pack.version,
            "heldout_recall": figures["heldout_recall"],
            "recall": figures["recall"],
            "fixed_fp_rate": figures["fixed_fp_rate"],
            "noise_per_kloc": figures["noise_per_kloc"],
            "head_findings": figures["head_findings"],
            "holdout": "by cluster",
        }
    )


def _pack_dir(duckdb: DuckDBResource) -> Path | None:
    with warehouse_connection(duckdb) as con:
        latest = latest_pack(con)
    return Path(latest["path"]) if latest else None


def _check(duckdb: DuckDBResource, fn) -> dg.AssetCheckResult:
    pack_dir = _pack_dir(duckdb)
    if pack_dir is None:
        return dg.AssetCheckResult(passed=True, metadata={"detail": NO_PACK})
    ok, detail = fn(pack_dir)
    return dg.AssetCheckResult(passed=ok, metadata={"pack": str(pack_dir), "detail": detail})


@dg.asset_check(asset="rule_pack", description="Every semgrep rule validates offline (semgrep scan --strict on an empty file).")
def semgrep_rules_validate(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    return _check(duckdb, check_semgrep_valid)


@dg.asset_check(asset="rule_pack", description="semgrep scan --test passes on the pack's annotated examples.")
def semgrep_examples_pass(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    return _check(duckdb, check_semgrep_examples)


@dg.asset_check(asset="rule_pack", description="ruff loads the pack config via `extend` and pasted into pyproject.toml.")
def ruff_config_loads(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    return _check(duckdb, check_ruff_config)


@dg.asset_check(asset="rule_pack", description="The pack's SARIF validates against the SARIF 2.1.0 schema.")
def sarif_valid(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    return _check(duckdb, check_sarif)


assets: list = [rule_pack_asset, guidance_asset, rule_efficacy_asset]
asset_checks: list = [semgrep_rules_validate, semgrep_examples_pass, ruff_config_loads, sarif_valid]

# This stage's part of the platform; pipelines/definitions.py merges every stage's.
defs = dg.Definitions(assets=assets, asset_checks=asset_checks)
