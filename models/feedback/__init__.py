"""Feedback stage: what production taught, as lint rule packs and assistant guidance, with proof.

Entry points (used by the CLI and the Dagster assets):
    synthesize_rules(con, config) -> RulePack        rules from the warehouse evidence (read only)
    release_rules(con, config, out_dir) -> (pack, ExportResult)    versioned pack under out_dir/<version>/
    release_guidance(con, config, out_dir, into_repo) -> GuidanceResult
    evaluate_pack(con, config, pack) -> Evaluation   recall / fixed-line FPs / noise, stored per rule
"""

from models.feedback.evaluation import Evaluation, evaluate_pack
from models.feedback.pack import ExportResult, export_pack
from models.feedback.service import GuidanceResult, default_pack_dir, release_guidance, release_rules
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
    "synthesize_rules",
]
