"""From a measured candidate pack to the rules that are released.

- **One finding per site and class.** A mined rule ships only for the constructs no catalog or ruff rule
  of its class caught at their crash sites ("mined rules cover what the catalog misses"); a cluster the
  catalog already catches is credited to the catalog rule, whose metadata lists it.
- **Severity follows measured efficacy.** A rule with no held-out evidence (no crash site of its class
  that it was not built from, or none caught) is INFO; a rule that fires on fixed lines or on too much
  never-failed code is INFO; otherwise the production impact sets it (ERROR / WARNING / INFO), at most
  WARNING when it caught fewer than half of its held-out sites. Every message says what evidence it has.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from models.feedback.evaluation import Evaluation, RuleScore, demotion
from models.feedback.evidence import CrashSite
from models.feedback.synthesis import Rule, RulePack, narrow_mined

HALF = 0.5


@dataclass(frozen=True)
class Selection:
    pack: RulePack  # the candidate narrowed to what ships
    dropped: tuple[tuple[str, str], ...] = ()  # (rule id, why) of candidate rules not shipped
    narrowed: tuple[str, ...] = ()  # mined rules that lost constructs the catalog catches


def _covered_elsewhere(rule: Rule, pack: RulePack, ev: Evaluation, site: CrashSite) -> bool:
    """A rule of the same class that was not mined (catalog, ruff) flags the crash site."""
    others = {r.rule_id for r in pack.rules if r.failure_class == rule.failure_class and r.origin != "mined"}
    return bool(ev.site_hits.get(site, set()) & others)


def efficacy_severity(rule: Rule, score: RuleScore | None) -> tuple[str, str]:
    """(severity, why) from the measured efficacy, capped by the production impact (`rule.impact`)."""
    if score is None or not score.heldout_sites:
        if rule.origin == "mined":
            own = f" (its own crash sites: {score.own_flagged} of {score.own_sites} flagged)" if score and score.own_sites else ""
            return "INFO", (f"no held-out evidence: mined from cluster {', '.join(rule.cluster_ids)}, and no other "
                            f"cluster of its class to test it on{own}")
        return "INFO", "no held-out evidence: no crash site of its class could be checked"
    if not score.heldout_flagged:
        return "INFO", f"caught none of the {score.heldout_sites} crash sites of its class it was not built from"
    demoted, why = demotion(score)
    if demoted:
        return "INFO", why
    severity, impact_why = rule.impact
    if severity == "ERROR" and score.heldout_recall < HALF:
        severity = "WARNING"
    return severity, f"{impact_why}; caught {score.heldout_flagged} of {score.heldout_sites} crash sites it was not built from"


def evidence_sentence(score: RuleScore | None) -> str:
    """What the rule's severity rests on, in numbers (trusted text only)."""
    if score is None or not (score.heldout_sites or score.own_sites):
        return "Unmeasured: no crash site of its class could be checked, so it is advisory (INFO)."
    parts = []
    if score.heldout_sites:
        parts.append(f"caught {score.heldout_flagged} of {score.heldout_sites} crash sites it was not built from "
                     "(held out by cluster)")
    else:
        parts.append("no crash site it was not built from to test it on")
    if score.own_sites:
        parts.append(f"{score.own_flagged} of {score.own_sites} of its own")
    if score.noise_per_kloc is not None:
        parts.append(f"{score.noise_per_kloc:.2f} findings per 1,000 lines of never-failed code at HEAD")
    return "Measured: " + "; ".join(parts) + "."


def _efficacy_meta(score: RuleScore | None) -> dict:
    if score is None:
        return {"measured": "no"}
    meta = {"holdout": "by cluster", "heldout_sites_flagged": f"{score.heldout_flagged}/{score.heldout_sites}",
            "own_sites_flagged": f"{score.own_flagged}/{score.own_sites}", "head_findings": score.repo_findings}
    if score.noise_per_kloc is not None:
        meta["noise_per_kloc"] = f"{score.noise_per_kloc:.3f}"
    return meta


def _finalize(rule: Rule, score: RuleScore | None) -> Rule:
    severity, why = efficacy_severity(rule, score)
    # the production note and fix, as synthesized, follow the evidence sentence
    rest = rule.message[len(rule.base_message):].strip() if rule.message.startswith(rule.base_message) else ""
    message = " ".join(x for x in (rule.base_message, evidence_sentence(score), rest) if x)
    body = rule.body
    if body is not None:
        meta = {**body.get("metadata", {}), "hindsight-severity-reason": why, "hindsight-efficacy": _efficacy_meta(score)}
        body = {**body, "severity": severity, "message": message, "metadata": meta}
    return replace(rule, severity=severity, severity_reason=why, message=message, body=body)


def select_rules(candidate: RulePack, ev: Evaluation) -> Selection:
    """Narrow `candidate` as measured by `ev`: mined rules only for what no other rule of the class caught."""
    kept: list[Rule] = []
    dropped: list[tuple[str, str]] = []
    narrowed: list[str] = []
    for rule in candidate.rules:
        if rule.origin == "mined" and rule.parts:
            missed = {p.key for p in rule.parts if any(not _covered_elsewhere(rule, candidate, ev, s) for s in p.sites)}
            if not missed:
                why = f"every crash site of its cluster is caught by the catalog rule of {rule.failure_class}"
                dropped.append((rule.rule_id, why))
                continue
            if missed != {p.key for p in rule.parts}:
                rule = narrow_mined(rule, candidate, missed)
                narrowed.append(rule.rule_id)
        kept.append(rule)
    return Selection(candidate.with_rules(kept), tuple(dropped), tuple(narrowed))


def finalize_rules(pack: RulePack, ev: Evaluation) -> tuple[RulePack, Evaluation]:
    """The rules to ship with severities and evidence sentences from their measurement `ev`, and `ev`
    narrowed to those rules."""
    rules = tuple(_finalize(rule, ev.rules.get(rule.rule_id)) for rule in pack.rules)
    banned = {api: r.message for api in pack.banned_api for r in rules if r.rule_id == f"ruff.TID251.{api}"}
    shipped = {r.rule_id for r in rules}
    return (replace(pack, rules=rules, banned_api=banned),
            replace(ev, rules={rid: score for rid, score in ev.rules.items() if rid in shipped}))
