"""Feedback stage: what production taught, as lint rule packs and assistant guidance, with proof.

Entry points (used by the CLI and the Dagster assets):
    synthesize_rules(con, config) -> RulePack        candidate rules from the warehouse evidence (read only)
    release_rules(con, config, out_dir) -> (pack, ExportResult)    measured, selected, validated, versioned
                                                     pack under out_dir/<version>/ (PackValidationError if not)
    released_pack(con, config) -> RulePack           the latest release as it shipped (read only)
    release_guidance(con, config, out_dir, into_repo) -> GuidanceResult   guidance of the released pack
    evaluate_pack(con, config, pack) -> Evaluation   held-out / own-site recall, fixed-line FPs, noise per kloc

Only `release_rules` publishes a pack (the `rule_pack` asset, `hindsight export rules`); guidance, the
efficacy asset and `hindsight evaluate` read the released pack. `RulePack` and `Rule` are immutable.

Flow of a release: synthesis -> evaluation (scan once, score) -> selection (what ships, severity from
efficacy) -> pack (stage, validation, atomic publish, record).
"""

from models.feedback.evaluation import Evaluation, evaluate_pack
from models.feedback.pack import ExportResult, export_pack
from models.feedback.service import (
    GuidanceResult,
    default_pack_dir,
    release_guidance,
    release_rules,
    released_pack,
)
from models.feedback.synthesis import Rule, RulePack, synthesize_rules

__all__ = [
    "Evaluation",
    "ExportResult",
    "GuidanceResult",
    "Rule",
    "RulePack",
    "default_pack_dir",
    "evaluate_pack",
    "export_pack",
    "release_guidance",
    "release_rules",
    "released_pack",
    "synthesize_rules",
]
