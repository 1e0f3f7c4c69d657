"""Efficacy: run the pack with real semgrep and ruff on the code that failed, its fix, and HEAD.

Layout of one evaluation (a temp dir, one semgrep run and one ruff run over all of it):
    fail/<repo>/<rev>/...   the whole repository at each failing revision (crash sites: recall;
                            everything else: findings on code that never failed)
    fixed/<repo>/<rev>/...  the crash files at each fix commit (a finding there is a false positive)
    head/<repo>/...         the repository at its default branch (findings per 1,000 lines)

A finding flags a crash site when its range covers the crash line and its rule is about the site's
failure class. For classes whose defect precedes the crash (declared `antecedent`) a finding in the same
function, starting at or before the crash line, also counts.

Held out by cluster: a crash site is *held out* for a rule that was not built from the site's cluster.
Catalog and ruff rules were built from no crash site, so every site of their class is held out for them;
a mined rule's own sites are those of the cluster(s) it was mined from, its held-out sites those of the
other clusters of its class. Recall on held-out sites is the rule's evidence that it generalises; recall
on its own sites only shows that mining worked.
"""

from __future__ import annotations

import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from models.config import Config
from models.failure_classes import registry
from models.feedback.evidence import CrashSite, SourceCache, repository_paths
from models.feedback.mining import enclosing_function, map_line
from models.feedback.render import write_linter_configs
from models.feedback.safety import safe_identifier
from models.feedback.tools import Finding, git, git_archive, ruff_check, semgrep_scan
from models.warehouse import read_sql, unit_of_work

if TYPE_CHECKING:
    from models.feedback.synthesis import RulePack

MAX_REVISIONS_PER_REPO = 8
DEMOTE_FIXED_FP = 0.10  # Tricorder's probation bar: >= 10% effective false positives
DEMOTE_PER_KLOC = 5.0
DEMOTE_UNFAILED_SHARE = 0.5
DEMOTE_MIN_FINDINGS = 5

_BANNED_NAME = re.compile(r"`([A-Za-z0-9_.]+)` is banned")


def _ratio(part: float, whole: float) -> float | None:
    """part / whole, None when there is no whole (a figure with nothing to measure is not 0)."""
    return part / whole if whole else None


@dataclass
class RuleScore:
    crash_sites: int = 0
    crash_sites_flagged: int = 0
    fixed_sites: int = 0
    fixed_sites_flagged: int = 0
    failing_findings: int = 0
    unfailed_findings: int = 0
    repo_findings: int = 0  # findings at HEAD
    repo_kloc: float = 0.0
    head_unfailed: int = 0  # findings at HEAD on code that never failed
    own_sites: int = 0  # crash sites of the cluster(s) the rule was mined from
    own_flagged: int = 0
    heldout_sites: int = 0  # crash sites of its class it was not built from
    heldout_flagged: int = 0
    demoted: bool = False
    demotion_reason: str | None = None

    @property
    def heldout_recall(self) -> float | None:
        return _ratio(self.heldout_flagged, self.heldout_sites)

    @property
    def own_site_recall(self) -> float | None:
        return _ratio(self.own_flagged, self.own_sites)

    @property
    def noise_per_kloc(self) -> float | None:
        """Findings per 1,000 lines of code that never failed (at HEAD)."""
        return _ratio(self.head_unfailed, self.repo_kloc)


@dataclass
class Evaluation:
    pack_version: str
    crash_sites: int
    crash_sites_flagged: int
    fixed_sites: int
    fixed_sites_flagged: int
    failing_findings: int
    unfailed_findings: int
    head_findings: int
    head_kloc: float
    head_unfailed: int = 0  # HEAD findings on code that never failed (no crash site's construct there)
    heldout_sites: int = 0  # crash sites with at least one rule of their class not built from their cluster
    heldout_flagged: int = 0  # ... flagged by such a rule
    own_sites: int = 0  # crash sites with a rule mined from their own cluster
    own_flagged: int = 0
    head_duplicates: int = 0  # HEAD lines reported by more than one rule of the same class
    rules: dict[str, RuleScore] = field(default_factory=dict)
    head_results: dict[str, list] = field(default_factory=dict)  # repo -> [(rule id, finding relative to the repo)]
    site_hits: dict[CrashSite, set[str]] = field(default_factory=dict)  # crash site -> rules of its class flagging it
    missed_sites: list[str] = field(default_factory=list)
    flagged_fixes: list[str] = field(default_factory=list)
    unfailed_locations: list[str] = field(default_factory=list)  # rule repo:path:line of never-failed findings

    @property
    def recall(self) -> float | None:
        return _ratio(self.crash_sites_flagged, self.crash_sites)

    @property
    def heldout_recall(self) -> float | None:
        return _ratio(self.heldout_flagged, self.heldout_sites)

    @property
    def own_site_recall(self) -> float | None:
        return _ratio(self.own_flagged, self.own_sites)

    @property
    def noise_per_kloc(self) -> float | None:
        return _ratio(self.head_unfailed, self.head_kloc)

    @property
    def fixed_fp_rate(self) -> float | None:
        return _ratio(self.fixed_sites_flagged, self.fixed_sites)

    @property
    def unfailed_share(self) -> float | None:
        return _ratio(self.unfailed_findings, self.failing_findings)

    @property
    def head_unfailed_share(self) -> float | None:
        return _ratio(self.head_unfailed, self.head_findings)

    def summary(self) -> dict:
        return {
            "pack_version": self.pack_version,
            "crash_sites": self.crash_sites,
            "crash_sites_flagged": self.crash_sites_flagged,
            "recall": self.recall,
            "heldout_recall": self.heldout_recall,
            "heldout_sites": f"{self.heldout_flagged}/{self.heldout_sites}",
            "own_site_recall": self.own_site_recall,
            "own_sites": f"{self.own_flagged}/{self.own_sites}",
            "holdout": "by cluster",
            "fixed_sites": self.fixed_sites,
            "fixed_sites_flagged": self.fixed_sites_flagged,
            "fixed_fp_rate": self.fixed_fp_rate,
            "failing_revision_findings": self.failing_findings,
            "findings_on_never_failed_code": self.unfailed_findings,
            "never_failed_share": self.unfailed_share,
            "head_findings": self.head_findings,
            "head_findings_on_never_failed_code": self.head_unfailed,
            "head_never_failed_share": self.head_unfailed_share,
            "head_kloc": round(self.head_kloc, 3),
            "noise_per_kloc": None if self.noise_per_kloc is None else round(self.noise_per_kloc, 3),
            "head_duplicates": self.head_duplicates,
            "demoted": sorted(r for r, s in self.rules.items() if s.demoted),
        }


def rule_ids_for(pack: RulePack, finding: Finding) -> str | None:
    """The pack rule a finding belongs to (ruff codes -> `ruff.CODE` / `ruff.TID251.<api>`)."""
    if finding.engine == "semgrep":
        # semgrep prefixes ids with the config file's directory (e.g. 'tmp.x.pack.<id>'): strip it.
        ids = {r.rule_id for r in pack.semgrep_rules}
        if finding.rule_id in ids:
            return finding.rule_id
        return next((i for i in ids if finding.rule_id.endswith("." + i)), None)
    if finding.rule_id == "TID251":
        m = _BANNED_NAME.search(finding.message)
        return f"ruff.TID251.{m.group(1)}" if m and m.group(1) in pack.banned_api else None
    cls = registry().ruff_code_class.get(finding.rule_id)
    return f"ruff.{cls}" if cls and finding.rule_id in pack.ruff_codes else None


def scan_tree(pack: RulePack, semgrep_config: Path, ruff_config: Path, root: Path) -> list[tuple[str, Finding]]:
    """One semgrep run and one ruff run over `root`; (rule id, finding) for the pack's rules only."""
    findings = semgrep_scan(semgrep_config, root) if pack.semgrep_rules else []
    findings += ruff_check(root, config=ruff_config)
    out = []
    for f in findings:
        rid = rule_ids_for(pack, f)
        if rid is not None:
            out.append((rid, f))
    return out


def _rule_class(pack: RulePack) -> dict[str, tuple[str, set[str] | None]]:
    """rule id -> (failure class, clusters it is restricted to or None)."""
    out = {}
    for r in pack.rules:
        out[r.rule_id] = (r.failure_class, set(r.cluster_ids) if r.origin == "mined" else None)
    return out


def _function_span(source: str | None, line: int) -> tuple[int, int] | None:
    fn = enclosing_function(source, line)
    return (fn.lineno, fn.end_lineno) if fn else None


def _function_name(source: str | None, line: int) -> str | None:
    fn = enclosing_function(source, line)
    return fn.name if fn else None


def _own(site: CrashSite, rule: tuple[str, set[str] | None]) -> bool:
    """The site belongs to a cluster the rule was mined from."""
    return rule[1] is not None and site.cluster_id in rule[1]


def _flags(site: CrashSite, rule: tuple[str, set[str] | None], f: Finding, lines: tuple[int, int], span) -> bool:
    if rule[0] != site.failure_class:
        return False
    lo, hi = lines
    if f.start_line <= hi and f.end_line >= lo:
        return True
    return bool(_antecedent(site.failure_class) and span and span[0] <= f.start_line <= lo)


def _antecedent(cls: str) -> bool:
    declared = registry().get(cls)
    return bool(declared and declared.antecedent)


def _short(rev: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", rev)[:16] or "rev"


def _d(repo: str) -> str:
    return safe_identifier(repo)


def _kloc(root: Path) -> float:
    total = 0
    for p in root.rglob("*.py"):
        try:
            total += sum(1 for _ in p.open("rb"))
        except OSError:
            continue
    return total / 1000.0


@dataclass
class Scan:
    """One semgrep run and one ruff run of a pack over the failing revisions, the fixes and HEAD: the raw
    findings and what is needed to score them (`score` can score any subset of the scanned rules)."""

    results: list[tuple[str, Finding]]
    sites: list[CrashSite]
    sources: SourceCache
    fixed_lines: dict[CrashSite, tuple[int, int]]
    by_repo_rev: dict[tuple[str, str], int]
    head_rev: dict[str, tuple[str, str]]
    head_kloc: dict[str, float]


def evaluate_pack(con: duckdb.DuckDBPyConnection, config: Config, pack: RulePack, *, record: bool = True) -> Evaluation:
    """Recall on crash sites (held out by cluster and own), false positives on fixed lines, noise at HEAD."""
    ev = score(scan_pack(con, config, pack), pack)
    if record:
        with unit_of_work(con):
            record_evaluation(con, ev)
    return ev


def scan_pack(con: duckdb.DuckDBPyConnection, config: Config, pack: RulePack) -> Scan:
    """Materialize the failing revisions, the fixed files and HEAD in a temp tree and scan it once with `pack`."""
    repos = repository_paths(con, config)
    sources = SourceCache(repos)
    sites = [s for ev in pack.evidence.values() for s in ev.sites if s.repo in repos]
    with tempfile.TemporaryDirectory(prefix="hindsight-eval-") as tmp:
        root = Path(tmp)
        scan = root / "scan"
        semgrep_config, ruff_config = write_linter_configs(pack, root / "pack")

        # Failing revisions: the whole repository at the revisions with most events, crash files elsewhere.
        by_repo_rev: dict[tuple[str, str], int] = defaultdict(int)
        for s in sites:
            by_repo_rev[(s.repo, s.revision)] += s.events
        whole = set()
        for repo in {r for r, _ in by_repo_rev}:
            revs = sorted((n, rev) for (r, rev), n in by_repo_rev.items() if r == repo)[::-1]
            whole |= {(repo, rev) for _, rev in revs[:MAX_REVISIONS_PER_REPO]}
        for repo, rev in by_repo_rev:
            paths = None if (repo, rev) in whole else sorted({s.path for s in sites if (s.repo, s.revision) == (repo, rev)})
            git_archive(repos[repo], rev, scan / "fail" / _d(repo) / _short(rev), paths)

        # Fixed revisions: the crash files at the fix commit, and where the crash line went.
        fixed_lines: dict[CrashSite, tuple[int, int]] = {}
        for s in sites:
            if not s.fix_commit:
                continue
            old = sources.get(s.repo, s.revision, s.path)
            new = sources.get(s.repo, s.fix_commit, s.path)
            mapped = map_line(old, new, s.line) if old is not None and new is not None else None
            if mapped is None:
                continue
            fixed_lines[s] = mapped
            dest = scan / "fixed" / _d(s.repo) / _short(s.fix_commit) / s.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(new, encoding="utf-8")

        # HEAD of every configured repository.
        head_kloc, head_rev = {}, {}
        for name, path in repos.items():
            if not (path / ".git").exists() and not path.name.endswith(".git"):
                continue
            branch = next((r.default_branch for r in config.repositories if r.name == name), "HEAD")
            rev = branch if git(path, "rev-parse", "--verify", "--quiet", branch, check=False).strip() else "HEAD"
            head_rev[_d(name)] = (name, rev)
            git_archive(path, rev, scan / "head" / _d(name))
            head_kloc[name] = _kloc(scan / "head" / _d(name))

        scan.mkdir(parents=True, exist_ok=True)
        results = scan_tree(pack, semgrep_config, ruff_config, scan)
    return Scan(results, sites, sources, fixed_lines, dict(by_repo_rev), head_rev, head_kloc)


def score(scan: Scan, pack: RulePack) -> Evaluation:
    """The figures of `pack`'s rules from a scan that covered them (findings of other rules are ignored)."""
    sites, sources, fixed_lines = scan.sites, scan.sources, scan.fixed_lines
    by_repo_rev, head_rev, head_kloc = scan.by_repo_rev, scan.head_rev, scan.head_kloc
    rule_class = _rule_class(pack)
    version = pack.version or "unreleased"
    buckets: dict[tuple, list[tuple[str, Finding]]] = defaultdict(list)
    for rid, f in scan.results:
        if rid not in rule_class:
            continue
        parts = f.path.split("/", 3)
        if parts[0] == "head" and len(parts) >= 2:
            buckets[("head", parts[1])].append((rid, f))
        elif parts[0] in ("fail", "fixed") and len(parts) == 4:
            kind, repo, rev, rel = parts
            buckets[(kind, repo, rev, rel)].append((rid, f))

    scores = {r.rule_id: RuleScore() for r in pack.rules}
    ev = Evaluation(version, len(sites), 0, len(fixed_lines), 0, 0, 0, 0, sum(head_kloc.values()), rules=scores)
    failed_findings: set[tuple] = set()
    for s in sites:
        span = _function_span(sources.get(s.repo, s.revision, s.path), s.line)
        pairs = buckets[("fail", _d(s.repo), _short(s.revision), s.path)]
        hits = {rid for rid, f in pairs if rid in rule_class and _flags(s, rule_class[rid], f, (s.line, s.line), span)}
        for rid, f in pairs:
            if rid in hits and _flags(s, rule_class[rid], f, (s.line, s.line), span):
                failed_findings.add((s.repo, s.revision, s.path, rid, f.start_line))
        ev.site_hits[s] = hits
        heldout_rules = own_rules = False
        for rid, rule in rule_class.items():
            if rule[0] != s.failure_class:
                continue
            score, hit = scores[rid], rid in hits
            if _own(s, rule):
                own_rules = True
                score.own_sites += 1
                score.own_flagged += hit
            else:
                heldout_rules = True
                score.heldout_sites += 1
                score.heldout_flagged += hit
            if rule[1] is None or _own(s, rule):  # the rules that apply to the site (historical `recall`)
                score.crash_sites += 1
                score.crash_sites_flagged += hit
        ev.heldout_sites += heldout_rules
        ev.heldout_flagged += any(rid in hits and not _own(s, rule_class[rid]) for rid in hits)
        ev.own_sites += own_rules
        ev.own_flagged += any(rid in hits and _own(s, rule_class[rid]) for rid in hits)
        ev.crash_sites_flagged += bool(hits)
        if not hits:
            ev.missed_sites.append(f"{s.cluster_id} {s.location}")
        if s in fixed_lines:
            fspan = _function_span(sources.get(s.repo, s.fix_commit, s.path), fixed_lines[s][0])
            fixed_hits = {rid for rid, f in buckets[("fixed", _d(s.repo), _short(s.fix_commit), s.path)]
                          if rid in rule_class and _flags(s, rule_class[rid], f, fixed_lines[s], fspan)}
            for rid, rule in rule_class.items():
                if rule[0] == s.failure_class:
                    scores[rid].fixed_sites += 1
                    scores[rid].fixed_sites_flagged += rid in fixed_hits
            ev.fixed_sites_flagged += bool(fixed_hits)
            if fixed_hits:
                ev.flagged_fixes.append(f"{s.cluster_id} {s.repo}:{s.path}:{fixed_lines[s][0]} by {sorted(fixed_hits)}")

    # Findings at failing revisions that are not on a crash site: code that never failed (deduplicated
    # across revisions by rule, file and line text, since unchanged files repeat in every revision).
    seen: dict[tuple, bool] = {}
    where: dict[tuple, str] = {}
    for key, pairs in buckets.items():
        if key[0] != "fail":
            continue
        _, repo_dir, rev_short, rel = key
        repo, rev = next(((rp, r) for (rp, r) in by_repo_rev if _d(rp) == repo_dir and _short(r) == rev_short),
                         (repo_dir, None))
        text = sources.get(repo, rev, rel) if rev else None
        lines = text.splitlines() if text else []
        for rid, f in pairs:
            n = f.start_line
            line_text = lines[n - 1].strip() if 0 < n <= len(lines) else str(n)
            nth = sum(1 for x in lines[: max(n - 1, 0)] if x.strip() == line_text)  # same text earlier in the file
            dedupe = (rid, repo, rel, line_text, nth)
            on_failure = (repo, rev, rel, rid, f.start_line) in failed_findings
            seen[dedupe] = seen.get(dedupe, False) or on_failure
            where.setdefault(dedupe, f"{rid} {repo}:{rel}:{n}@{rev_short[:8]}")
    for key, on_failure in seen.items():
        rid = key[0]
        ev.failing_findings += 1
        scores[rid].failing_findings += 1
        if not on_failure:
            ev.unfailed_findings += 1
            scores[rid].unfailed_findings += 1
            ev.unfailed_locations.append(where[key])

    # HEAD: a finding is on failed code when its lines hold a crash site's line (same path, same text)
    # or, for classes whose defect precedes the crash, when it sits in the crash site's function.
    crash_texts, crash_functions = set(), set()
    for s in sites:
        text = sources.get(s.repo, s.revision, s.path)
        lines = text.splitlines() if text else []
        if 0 < s.line <= len(lines):
            crash_texts.add((s.repo, s.path, lines[s.line - 1].strip()))
        crash_functions.add((s.repo, s.path, s.failure_class, _function_name(text, s.line)))
    lines_by_class: dict[tuple, set[str]] = defaultdict(set)
    for key, pairs in buckets.items():
        if key[0] != "head":
            continue
        repo, rev = head_rev.get(key[1], (key[1], "HEAD"))
        for rid, f in pairs:
            scores[rid].repo_findings += 1
            ev.head_findings += 1
            rel = f.path.split("/", 2)[2] if f.path.count("/") >= 2 else f.path
            ev.head_results.setdefault(repo, []).append((rid, replace(f, path=rel)))
            text = sources.get(repo, rev, rel)
            lines = text.splitlines() if text else []
            covered = {lines[i - 1].strip() for i in range(f.start_line, f.end_line + 1) if 0 < i <= len(lines)}
            cls = rule_class.get(rid, ("", None))[0]
            lines_by_class[(repo, rel, f.start_line, cls)].add(rid)
            failed = any((repo, rel, t) in crash_texts for t in covered) or (
                _antecedent(cls) and (repo, rel, cls, _function_name(text, f.start_line)) in crash_functions)
            if not failed:
                ev.head_unfailed += 1
                scores[rid].head_unfailed += 1
                ev.unfailed_locations.append(f"{rid} {repo}:{rel}:{f.start_line}@HEAD")
    ev.head_duplicates = sum(1 for rids in lines_by_class.values() if len(rids) > 1)
    for score in scores.values():
        score.repo_kloc = round(ev.head_kloc, 3)
        score.demoted, score.demotion_reason = demotion(score)
    return ev


def demotion(s: RuleScore) -> tuple[bool, str | None]:
    """(demoted, why): too many false positives on fixed lines or too much noise on never-failed code."""
    if s.fixed_sites and s.fixed_sites_flagged / s.fixed_sites > DEMOTE_FIXED_FP:
        return True, f"still fires on {s.fixed_sites_flagged} of {s.fixed_sites} fixed lines"
    if s.unfailed_findings >= DEMOTE_MIN_FINDINGS and s.unfailed_findings / max(s.failing_findings, 1) > DEMOTE_UNFAILED_SHARE:
        return True, f"{s.unfailed_findings} of {s.failing_findings} findings on code that never failed"
    if s.head_unfailed >= DEMOTE_MIN_FINDINGS and (s.noise_per_kloc or 0) > DEMOTE_PER_KLOC:
        return True, f"{s.noise_per_kloc:.1f} findings per 1,000 lines of never-failed code at HEAD (> {DEMOTE_PER_KLOC})"
    return False, None


def record_evaluation(con: duckdb.DuckDBPyConnection, ev: Evaluation) -> None:
    """Store the per-rule and pack-level figures of `ev` (replacing an earlier evaluation of the version)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [
        (ev.pack_version, rid, s.crash_sites, s.crash_sites_flagged, s.fixed_sites, s.fixed_sites_flagged,
         s.repo_findings, s.repo_kloc, s.demoted, s.demotion_reason, now, s.failing_findings, s.unfailed_findings,
         s.head_unfailed, s.own_sites, s.own_flagged, s.heldout_sites, s.heldout_flagged)
        for rid, s in ev.rules.items()
    ]
    con.execute(read_sql("queries/feedback/delete_rule_evaluations"), [ev.pack_version])
    if rows:
        con.executemany(read_sql("queries/feedback/insert_rule_evaluation"), rows)
    s = ev.summary()
    con.execute(read_sql("queries/feedback/delete_pack_evaluation"), [ev.pack_version])
    con.execute(
        read_sql("queries/feedback/insert_pack_evaluation"),
        [ev.pack_version, now, ev.crash_sites, ev.crash_sites_flagged, s["recall"], ev.fixed_sites,
         ev.fixed_sites_flagged, s["fixed_fp_rate"], ev.failing_findings, ev.unfailed_findings,
         s["never_failed_share"], ev.head_findings, ev.head_kloc, ev.head_unfailed, s["head_never_failed_share"],
         ev.heldout_sites, ev.heldout_flagged, ev.heldout_recall, ev.own_sites, ev.own_flagged, ev.noise_per_kloc,
         ev.head_duplicates],
    )
