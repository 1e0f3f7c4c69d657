"""Rule synthesis: production evidence -> a *candidate* rule pack (catalog + mined semgrep rules, ruff config).

`synthesize_rules(con, config)` reads the warehouse only. The candidate is measured (`evaluation`) and
then narrowed and given its severities from the measurement (`selection`) before it is released (`pack`).
A pack and its rules are immutable values: every step returns a new one (`dataclasses.replace`).
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import duckdb

from models.config import Config
from models.failure_classes import FailureClass, registry
from models.feedback.catalog import SEMGREP_TEST_EXCLUDES
from models.feedback.evidence import (
    ClassEvidence,
    ClusterImpact,
    CrashSite,
    SourceCache,
    example_locations,
    gather_evidence,
    repository_paths,
    severity_for,
)
from models.feedback.mining import Construct, extract_construct, map_line
from models.feedback.safety import safe_identifier

MAX_EXAMPLE_LINES = 120

Engine = Literal["semgrep", "ruff"]
Origin = Literal["catalog", "mined", "builtin"]
Severity = Literal["ERROR", "WARNING", "INFO"]
SemgrepRule = Mapping[str, Any]  # a semgrep rule mapping, as semgrep's YAML schema has it


def _freeze(obj: object, **fields: Iterable) -> None:
    """Store the given sequence fields of a frozen dataclass as tuples (callers may pass lists)."""
    for name, value in fields.items():
        object.__setattr__(obj, name, tuple(value))


@dataclass(frozen=True)
class MinedPart:
    """One failing construct of a mined rule: its pattern, its `--test` example, the crash sites it came from."""

    key: str
    body: SemgrepRule  # one `pattern-either` alternative
    example: str | None
    description: str
    sites: tuple[CrashSite, ...]

    def __post_init__(self):
        _freeze(self, sites=self.sites)


@dataclass(frozen=True)
class Rule:
    rule_id: str
    engine: Engine
    origin: Origin
    failure_class: str
    severity: Severity
    severity_reason: str
    message: str
    cluster_ids: tuple[str, ...]
    evidence: Mapping[str, Any]  # JSON-ready: ids, counts, dates, example locations
    body: SemgrepRule | None = None  # the semgrep rule (semgrep rules only)
    example: str | None = None  # `# ruleid:` / `# ok:` annotated Python for `semgrep --test`
    constructs: tuple[str, ...] = ()  # what failed (mined rules)
    base_message: str = ""  # the rule's own sentence, before the evidence is appended
    impact: tuple[Severity, str] | None = None  # (severity, why) from production impact alone; default: as given
    parts: tuple[MinedPart, ...] = ()  # mined rules: one per failing construct

    def __post_init__(self):
        _freeze(self, cluster_ids=self.cluster_ids, constructs=self.constructs, parts=self.parts)
        if self.impact is None:
            object.__setattr__(self, "impact", (self.severity, self.severity_reason))

    def manifest_entry(self) -> dict:
        return {
            "id": self.rule_id,
            "engine": self.engine,
            "origin": self.origin,
            "failure_class": self.failure_class,
            "severity": self.severity,
            "severity_reason": self.severity_reason,
            "clusters": self.cluster_ids,
            "tested": self.example is not None,
            "hash": hashlib.sha256(json.dumps(self.body or self.message, sort_keys=True).encode()).hexdigest()[:12],
        }


@dataclass(frozen=True)
class RulePack:
    rules: tuple[Rule, ...]
    evidence: Mapping[str, ClassEvidence]  # by failure class, highest impact first
    ruff_codes: tuple[str, ...]
    banned_api: Mapping[str, str]  # dotted name -> message
    fixes: Mapping[str, tuple[tuple[str, str], ...]]  # class -> (failing line, fixed line) from real fixes
    version: str | None = None  # None until released
    notes: tuple[str, ...] = ()  # what could not be done, for people (no repository, ...)

    def __post_init__(self):
        _freeze(self, rules=self.rules, ruff_codes=self.ruff_codes, notes=self.notes)
        object.__setattr__(self, "fixes", {cls: tuple(pairs) for cls, pairs in self.fixes.items()})

    def with_rules(self, rules: Iterable[Rule]) -> RulePack:
        return replace(self, rules=tuple(rules))

    @property
    def semgrep_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.engine == "semgrep")

    def semgrep_document(self) -> dict:
        return {"rules": [r.body for r in self.semgrep_rules]}

    def content_hash(self) -> str:
        doc = {"semgrep": self.semgrep_document(), "ruff": self.ruff_codes, "banned": self.banned_api}
        return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.rule_id == rule_id)


def yaml_safe(obj):
    """What semgrep's rule loader accepts: no floats (rendered as strings), no nulls (left out)."""
    if isinstance(obj, float):
        return f"{obj:g}"
    if isinstance(obj, dict):
        return {k: yaml_safe(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [yaml_safe(v) for v in obj if v is not None]
    return obj


def production_note(ev: ClassEvidence | ClusterImpact, clusters: list[str]) -> str:
    """A trusted sentence of numbers and ids describing what production showed."""
    first = ev.first_seen.date().isoformat() if ev.first_seen else "?"
    last = ev.last_seen.date().isoformat() if ev.last_seen else "?"
    events = ev.event_count
    incidents = ev.incident_count
    shown = ", ".join(clusters[:5]) + (" ..." if len(clusters) > 5 else "")
    note = f"In production: {events} event(s) in cluster(s) {shown}, {incidents} incident(s), seen {first} to {last}."
    share = ev.ai_share if isinstance(ev, ClassEvidence) else None
    if share is not None:
        note += f" {round(share * 100)}% of crash-site events ran AI-authored lines."
    return note


def _catalog_rule(cls: str, ev: ClassEvidence) -> Rule:
    cat = registry()[cls]
    ids = [safe_identifier(c.cluster_id) for c in ev.clusters]
    severity, why = ev.severity()
    body = copy.deepcopy(cat.rule)
    meta = body.setdefault("metadata", {})
    message = f"{cat.rule['message']} {production_note(ev, ids)} Fix: {meta.get('fix', '')}".strip()
    body["message"] = message
    body["severity"] = severity
    body["paths"] = {"exclude": list(SEMGREP_TEST_EXCLUDES)}
    meta.update({"hindsight-origin": "catalog", "hindsight-evidence": yaml_safe(ev.summary()),
                 "hindsight-severity-reason": why})
    example = cat.examples_path.read_text(encoding="utf-8")
    return Rule(cat.rule_id, "semgrep", "catalog", cls, severity, why, message, ids, ev.summary(), body, example,
                base_message=cat.rule["message"])


def _snippet(source: str, line: int, extra_lines: tuple[int, ...] = ()) -> list[tuple[int, str]]:
    """(original line no, text) of the innermost statement at `line` (and at `extra_lines`), dedented."""
    tree = ast.parse(source)
    lines = source.splitlines()
    out: list[tuple[int, str]] = []
    for target in sorted({*extra_lines, line}):
        stmts = [n for n in ast.walk(tree) if isinstance(n, ast.stmt) and n.lineno <= target <= (n.end_lineno or 0)]
        if not stmts:
            continue
        stmt = max(stmts, key=lambda n: (n.lineno, -(n.end_lineno or 0)))
        block = textwrap.dedent("\n".join(lines[stmt.lineno - 1 : stmt.end_lineno])).splitlines()
        out += [(stmt.lineno + i, text) for i, text in enumerate(block) if (stmt.lineno + i) not in {n for n, _ in out}]
    return out


def _annotate(numbered: list[tuple[int, str]], marks: dict[int, str]) -> str:
    """Insert `# <mark>` lines above the lines numbered in `marks`, with their indentation."""
    out = []
    for n, text in numbered:
        if n in marks:
            indent = text[: len(text) - len(text.lstrip())]
            out.append(f"{indent}# {marks[n]}")
        out.append(text)
    return "\n".join(out)


def _function_lines(source: str, name: str | None, line: int) -> list[tuple[int, str]] | None:
    from models.feedback.mining import function_source

    found = function_source(source, name, line)
    if not found:
        return None
    text, start = found
    block = textwrap.dedent(text).splitlines()
    if len(block) > MAX_EXAMPLE_LINES:
        return None
    return [(start + i, t) for i, t in enumerate(block)]


def _mined_example(rule_id: str, cons: Construct, failing: str, fixed: tuple[str, int] | None, scoped: bool) -> str | None:
    """Annotated example: the failing construct (`# ruleid:`) and, when a fix exists, the fixed code (`# ok:`)."""
    try:
        if scoped:
            bad = _function_lines(failing, cons.function, cons.line)
        else:
            extra = ()
            if ":var" in cons.key:
                extra = tuple(_assign_lines(failing, cons.line))
            bad = _snippet(failing, cons.line, extra)
        if not bad or cons.line not in {n for n, _ in bad}:
            return None
        parts = ["# ruff: noqa", "# Mined from production crash sites; checked with `semgrep scan --test`.",
                 _annotate(bad, {cons.line: f"ruleid: {rule_id}"})]
        if fixed is not None:
            text, fixed_line = fixed
            if scoped:
                good = _function_lines(text, cons.function, fixed_line)
            else:
                extra = tuple(_assign_lines(text, fixed_line)) if ":var" in cons.key else ()
                good = _snippet(text, fixed_line, extra)
            if good and fixed_line in {n for n, _ in good}:
                parts.append(_annotate(good, {fixed_line: f"ok: {rule_id}"}))
        return "\n\n".join(parts) + "\n"
    except SyntaxError:
        return None


def _assign_lines(source: str, line: int) -> list[int]:
    """Lines of assignments feeding the names used at `line` (for variable-based constructs)."""
    tree = ast.parse(source)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and getattr(n, "lineno", 0) == line}
    best: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and node.lineno < line:
            for t in node.targets:
                if isinstance(t, ast.Name) and t.id in names:
                    best[t.id] = max(best.get(t.id, 0), node.lineno)
    return sorted(best.values())


def _mined_rules(ev: ClassEvidence, sources: SourceCache, fixes: list[tuple[str, str]]) -> list[Rule]:
    rules = []
    cat = registry().get(ev.failure_class)
    for cluster in ev.clusters:
        constructs: dict[str, tuple[Construct, str, tuple[str, int] | None, list[CrashSite]]] = {}
        for site in cluster.sites:
            text = sources.get(site.repo, site.revision, site.path)
            if text is None:
                continue
            cons = extract_construct(ev.failure_class, text, site.line)
            if cons is None:
                continue
            if cons.key in constructs:
                constructs[cons.key][3].append(site)
                continue
            fixed = None
            if site.fix_commit:
                fixed_text = sources.get(site.repo, site.fix_commit, site.path)
                # where the failing construct went in the fix (the construct line, not the crash line:
                # for naive datetimes the fix is on the `datetime.now()` line above the crash)
                mapped = map_line(text, fixed_text, cons.line) if fixed_text else None
                if mapped:
                    fixed = (fixed_text, mapped[0])
                    before = text.splitlines()[cons.line - 1]
                    after = fixed_text.splitlines()[mapped[0] - 1]
                    if before.strip() != after.strip():
                        fixes.append((before, after))
            constructs[cons.key] = (cons, text, fixed, [site])
        if not constructs:
            continue
        cid = safe_identifier(cluster.cluster_id)
        rule_id = f"hindsight.mined.{ev.failure_class}.{cid.lower()}"
        parts = [
            MinedPart(c.key, c.body, _mined_example(rule_id, c, text, fixed, c.key.startswith("scoped:")),
                      c.description[:120], sites)
            for c, text, fixed, sites in constructs.values()
        ]
        rules.append(_mined_rule(rule_id, ev, cluster, cid, parts, cat))
    return rules


def _mined_rule(rule_id: str, ev: ClassEvidence, cluster: ClusterImpact, cid: str, parts: Iterable[MinedPart],
                cat: FailureClass | None) -> Rule:
    """The mined rule of `cluster` made of `parts` (its failing constructs)."""
    parts = tuple(parts)
    severity, why = severity_for(cluster.event_count, cluster.incident_count, cluster.days_span)
    descriptions = [p.description for p in parts]  # code identifiers, capped
    locations = example_locations([s for p in parts for s in p.sites])
    fix = cat.meta.get("fix", "") if cat else ""
    base = (f"This construct failed in production ({cat.title if cat else ev.failure_class}): "
            f"{'; '.join(descriptions[:4])}, e.g. at {', '.join(locations[:3])}.")
    message = f"{base} {production_note(cluster, [cid])} Fix: {fix}"
    evidence = {
        "clusters": [cid],
        "events": cluster.event_count,
        "incidents": cluster.incident_count,
        "first_seen": cluster.first_seen.isoformat() if cluster.first_seen else None,
        "last_seen": cluster.last_seen.isoformat() if cluster.last_seen else None,
        "ai_share": ClassEvidence(ev.failure_class, [cluster]).ai_share,
        "crash_sites": len(cluster.sites),
        "examples": locations,
    }
    body = {
        "id": rule_id,
        "languages": ["python"],
        "severity": severity,
        "message": message,
        "metadata": {
            "hindsight-class": ev.failure_class,
            "hindsight-origin": "mined",
            "hindsight-evidence": yaml_safe(evidence),
            "hindsight-severity-reason": why,
            **({"cwe": cat.meta["cwe"]} if cat and "cwe" in cat.meta else {}),
        },
        "paths": {"exclude": list(SEMGREP_TEST_EXCLUDES)},
        "pattern-either": [p.body for p in parts],
    }
    example = "\n\n".join(p.example for p in parts if p.example) or None
    return Rule(rule_id, "semgrep", "mined", ev.failure_class, severity, why, message, [cid], evidence, body, example,
                descriptions, base_message=base, parts=parts)


def narrow_mined(rule: Rule, pack: RulePack, keys: set[str]) -> Rule:
    """The mined `rule` keeping only the constructs in `keys` (those the catalog does not catch)."""
    ev = pack.evidence[rule.failure_class]
    cluster = next(c for c in ev.clusters if safe_identifier(c.cluster_id) == rule.cluster_ids[0])
    parts = [p for p in rule.parts if p.key in keys]
    return _mined_rule(rule.rule_id, ev, cluster, rule.cluster_ids[0], parts, registry().get(rule.failure_class))


def _ruff_rules(evidence: Mapping[str, ClassEvidence]) -> tuple[list[Rule], list[str], dict[str, str]]:
    """One ruff rule per class (its built-in codes) and one per banned API, messages citing the evidence."""
    rules, codes, banned = [], [], {}
    classes = registry()
    for cls, ev in evidence.items():
        severity, why = ev.severity()
        ids = [safe_identifier(c.cluster_id) for c in ev.clusters]
        note = production_note(ev, ids)
        declared = classes[cls]
        class_codes = declared.ruff_codes
        if class_codes:
            codes += class_codes
            base = f"ruff {', '.join(class_codes)} ({declared.title})."
            rules.append(Rule(f"ruff.{cls}", "ruff", "builtin", cls, severity, why, f"{base} {note}", ids,
                              {**ev.summary(), "codes": list(class_codes)}, base_message=base))
        for api, why_banned in declared.banned_apis.items():
            base = f"Hindsight: {api} {why_banned}."
            msg = f"{base} {note}"
            banned[api] = msg
            rules.append(Rule(f"ruff.TID251.{api}", "ruff", "catalog", cls, severity, why, msg, ids, ev.summary(),
                              base_message=base))
    if banned:
        codes.append("TID251")
    return rules, sorted(set(codes)), banned


def synthesize_rules(con: duckdb.DuckDBPyConnection, config: Config) -> RulePack:
    """The candidate pack: for every catalog failure class seen in production its catalog rule, a mined
    rule per cluster whose crash construct could be read from the repository, and the ruff codes."""
    evidence = gather_evidence(con)
    repos = repository_paths(con, config)
    sources = SourceCache(repos)
    catalog = registry()
    rules: list[Rule] = []
    fixes: dict[str, list[tuple[str, str]]] = {}
    for cls, ev in evidence.items():
        if cls in catalog:
            rules.append(_catalog_rule(cls, ev))
        rules += _mined_rules(ev, sources, fixes.setdefault(cls, []))
    ruff_rules, codes, banned = _ruff_rules(evidence)
    rules += ruff_rules
    notes = []
    if not repos:
        notes.append("no repository configured: no attribution, no mined rules; catalog rules only, at INFO until "
                     "a crash site can be checked")
    elif evidence and not any(ev.sites for ev in evidence.values()):
        notes.append("no crash frame resolved to a repository line: no mined rules; catalog rules at INFO until a "
                     "crash site can be checked")
    return RulePack(rules=rules, evidence=evidence, ruff_codes=codes, banned_api=banned, fixes=fixes, notes=notes)
