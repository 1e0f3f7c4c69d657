"""`--risk-history N`: N more commits after 1.5.0 in which failure classes RECUR (opt-in; synthetic).

The default demo world cannot show what production-failure and rule-pack features add to change
risk: every planted bug but one is the first of its failure class, so when a defect-inducing commit
lands nothing earlier failed in the code it touches and no rule exists yet. This module continues
the same team's history for several months (releases `1.6.0`, `1.7.0`, … every 14 days, 25 commits
each) so that the classes that already failed in production come back. Nothing else changes: the
default world (N = 0) is byte-for-byte the one without this module.

Every added commit is one of (drawn per commit, in this order, from one seeded `Random`):

- **feature** (P_FEATURE): a new function `name(conn, req)` from one of eight templates — the seven
  failure classes of `demo.bugs` whose crash needs no fault injector (`sql_string_formatting`,
  `unchecked_external_json`, `missing_http_timeout`, `subprocess_shell_true`, `naive_datetime`,
  `swallowed_exception`, `missing_idempotency`) and one `novel` kind no rule covers (integer division
  by the length of a possibly empty list). Template uniform. The function carries the template's bad
  construct with probability P_BUG_HUMAN for a human author and P_BUG_AI = AI_BUG_RATIO × P_BUG_HUMAN
  for an AI tool, else its safe variant. It is wired into traffic (`src/shop/routes.py`) with
  probability P_WIRED whatever its variant; an unwired bad construct is latent (flagged by the
  pack, never fails: label noise the features must live with).
- **tweak** (P_TWEAK): edits the docstring of an earlier added function (touches its file, clean).
- **ordinary** (the rest): runbook / README / test / config changes.
- **fix**: each bad, wired function is fixed (its construct replaced by the safe variant, message
  "fix(...)") with probability P_FIX as the first commit of the next release.

Where a feature lands: a bad function of a class that already failed goes, with probability
P_LOCALITY, to the file where that class failed (bug locality: defects concentrate in the files that
had them, Kim et al. ICSE 2007 "Predicting faults from cached history"); every other function goes
to a module drawn uniformly from MODULES.

Authors: a human (the four of the base history, uniform) with probability 1 - P_AI_AUTHOR, else an
AI tool drawn by TOOL_WEIGHTS, each leaving the same markers as in the base history.

The rates were chosen before any ablation was run on this world and were not changed after:
P_AI_AUTHOR 0.40 (about the share of AI-marked commits in the base history, 20 of 61); P_BUG_HUMAN
0.20 and AI_BUG_RATIO 1.5 (a modest excess, below the ~1.7× more issues per AI-authored pull
request CodeRabbit reported in 2025: AI authorship itself must not decide defects); P_FEATURE 0.45,
P_TWEAK 0.15; P_WIRED 0.75; P_FIX 0.6; P_LOCALITY 0.5; traffic in the added releases at
TRAFFIC_SHARE 0.25 of the base rates (keeps generation and the pipeline fast), each wired route
ROUTE_RATE calls a day.

`--risk-ai-ratio X` replaces AI_BUG_RATIO, for a sensitivity run only. At the stated 1.5 the AI flag
adds about +0.005 ROC AUC to the standard features, too little for any feasible world to show
(`benchmarks/risk_power.py`: power 0.33 at 4,800 commits). The one sensitivity run, fixed before it was
run from that simulation (idealised power 0.6): ratio 3.0 with 1,200 added commits.

This is a synthetic world whose generative assumptions are stated above: an ablation on it shows
that the features CAN use such signal when it exists, not that real repositories hold it.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from random import Random

from demo import history
from demo.bugs import BUGS
from demo.history import ALICE, COPILOT, GITHUB, HUMANS, JULES, Commit
from demo.risk_code import CONSTRUCT, DOCS, Func, crash_line, render_into

P_FEATURE = 0.45
P_TWEAK = 0.15
P_AI_AUTHOR = 0.40
P_BUG_HUMAN = 0.20
AI_BUG_RATIO = 1.5
P_WIRED = 0.75
P_FIX = 0.6
P_LOCALITY = 0.5
TRAFFIC_SHARE = 0.25
ROUTE_RATE = 0.5  # calls per day and wired route
TOOL_WEIGHTS = {"claude_code": 0.30, "cursor": 0.25, "copilot_agent": 0.15, "codex": 0.10, "aider": 0.10,
                "devin": 0.05, "jules": 0.05}
COMMITS_PER_RELEASE = 25
RELEASE_DAYS = 14
FIRST_VERSION = (1, 6)

KINDS = ("sql_string_formatting", "unchecked_external_json", "missing_http_timeout", "subprocess_shell_true",
         "naive_datetime", "swallowed_exception", "missing_idempotency", "novel")
# the file where each class failed in the base world (demo/bugs.py)
HOME = {b.failure_class: b.path for b in BUGS}
MODULES = ("src/shop/db/orders_repo.py", "src/shop/orders/pricing.py", "src/shop/orders/refunds.py",
           "src/shop/http/client.py", "src/shop/worker/notifications.py", "src/shop/worker/reports.py",
           "src/shop/worker/webhooks.py", "src/shop/features/catalog.py", "src/shop/features/loyalty.py",
           "src/shop/features/returns.py", "src/shop/features/analytics.py")
NAMES = {"sql_string_formatting": "orders_for_customer", "unchecked_external_json": "catalog_price",
         "missing_http_timeout": "carrier_eta", "subprocess_shell_true": "archive_orders",
         "naive_datetime": "days_since_payment", "swallowed_exception": "customer_contact",
         "missing_idempotency": "record_delivery", "novel": "average_item_value"}
# ----- the plan ----------------------------------------------------------------------------------
AI_COMMIT = {  # tool -> (author, committer, message tail)
    "claude_code": (None, None, history.CLAUDE_TAIL), "cursor": (None, None, history.CURSOR_TAIL),
    "codex": (None, None, history.CODEX_TAIL), "devin": (None, None, history.DEVIN_TAIL),
    "copilot_agent": (COPILOT, GITHUB, ""), "jules": (JULES, JULES, ""), "aider": ("aider", "aider", ""),
}
RUNBOOK_TOPICS = ("Cache eviction", "Queue depth alerts", "Certificate renewal", "Database vacuum",
                  "Customer data export", "Rate limits", "Staging refresh", "Archive retention")


def versions(n_commits: int) -> list[str]:
    major, minor = FIRST_VERSION
    return [f"{major}.{minor + i}.0" for i in range(math.ceil(n_commits / COMMITS_PER_RELEASE))]


def _commit(rng: Random, message: str, change: dict, ai: bool) -> Commit:
    human = rng.choice(HUMANS)
    if not ai:
        return Commit(human, message, change)
    tool = rng.choices(list(TOOL_WEIGHTS), weights=list(TOOL_WEIGHTS.values()))[0]
    author, committer, tail = AI_COMMIT[tool]
    if author == "aider":
        who = (human[0] + " (aider)", human[1])
        return Commit(who, message + tail, change, "aider", committer=who)
    if author is None:
        return Commit(human, message + tail, change, tool)
    if tool == "copilot_agent":
        tail = f"\n\nCo-authored-by: {human[0]} <{human[1]}>"
    return Commit(author, message + tail, change, tool, committer=committer)


def plan(
    n_commits: int, seed: int, ai_bug_ratio: float = AI_BUG_RATIO
) -> tuple[list[tuple[str, list[Commit]]], list[dict]]:
    """(version, commits) groups after 1.5.0 — each commit's `change` sets the whole `ext` tuple (plus
    ordinary state keys) — and the planted functions' ground truth (filled with shas by the builder).
    `ai_bug_ratio`: the stated AI_BUG_RATIO unless a sensitivity run asks for another (`--risk-ai-ratio`)."""
    if not 0 < ai_bug_ratio <= 1 / P_BUG_HUMAN:
        raise ValueError(f"--risk-ai-ratio must be in (0, {1 / P_BUG_HUMAN:g}]")
    p_bug_ai = P_BUG_HUMAN * ai_bug_ratio
    rng = Random(f"risk-history|{seed}")
    ext: list[Func] = []
    planted: list[dict] = []
    pending_fixes: list[int] = []
    groups = []
    left = n_commits
    pool, readme_n, runbook_n, tests = 8, 0, 0, []
    for version in versions(n_commits):
        size = min(COMMITS_PER_RELEASE, left)
        left -= size
        commits: list[Commit] = []
        for idx in pending_fixes:  # last release's failures fixed first
            if len(commits) >= size - 1:
                break
            old = ext[idx]
            ext[idx] = Func(old.path, old.name, old.kind, False, old.rev, old.wired)
            area = old.path.rsplit("/", 1)[1][:-3]
            c = _commit(rng, f"fix({area}): {old.name} no longer fails ({old.kind.replace('_', ' ')})",
                        {"ext": tuple(ext)}, rng.random() < P_AI_AUTHOR)
            c.extra["fixes"] = old.name
            commits.append(c)
        pending_fixes = []
        while len(commits) < size - 1:
            ai = rng.random() < P_AI_AUTHOR
            r = rng.random()
            if r < P_FEATURE:
                kind = rng.choice(KINDS)
                bad = rng.random() < (p_bug_ai if ai else P_BUG_HUMAN)
                home = HOME.get(kind)
                path = home if bad and home and rng.random() < P_LOCALITY else rng.choice(MODULES)
                name = f"{NAMES[kind]}_{len(ext) + 1}"
                f = Func(path, name, kind, bad, 1, rng.random() < P_WIRED)
                ext.append(f)
                area = path.rsplit("/", 1)[1][:-3]
                c = _commit(rng, f"feat({area}): {DOCS[kind][0].lower()}{DOCS[kind][1:]}",
                            {"ext": tuple(ext)}, ai)
                c.extra["adds"] = name
                if bad:
                    line, window = crash_line(f)
                    planted.append({"function": name, "kind": kind, "path": path, "wired": f.wired,
                                    "line_text": line.strip(), "construct": CONSTRUCT[kind],
                                    "construct_window": window, "at_home": path == home, "version": version})
                    if f.wired and rng.random() < P_FIX:
                        pending_fixes.append(len(ext) - 1)
                commits.append(c)
            elif r < P_FEATURE + P_TWEAK and ext:
                i = rng.randrange(len(ext))
                old = ext[i]
                ext[i] = Func(old.path, old.name, old.kind, old.bad, old.rev + 1, old.wired)
                commits.append(_commit(rng, f"docs({old.path.rsplit('/', 1)[1][:-3]}): clarify {old.name}",
                                       {"ext": tuple(ext)}, ai))
            else:
                what = rng.choice(("runbook", "readme", "test", "config"))
                if what == "runbook":
                    runbook_n += 1
                    topic = RUNBOOK_TOPICS[runbook_n % len(RUNBOOK_TOPICS)]
                    commits.append(_commit(rng, f"docs(runbook): {topic.lower()} ({runbook_n})", {
                        "_runbook": (f"{topic} ({runbook_n})", f"See the on-call notes, item {runbook_n}.")}, ai))
                elif what == "readme":
                    readme_n += 1
                    commits.append(_commit(rng, f"docs: README notes ({readme_n})", {"readme_notes": readme_n}, ai))
                elif what == "test" and ext:
                    tests.append(rng.choice(ext).name)
                    commits.append(_commit(rng, f"test: {tests[-1]}", {"ext_tests": tuple(tests)}, ai))
                else:
                    pool = 4 + (pool + 3) % 13
                    commits.append(_commit(rng, f"config: DB pool size {pool}", {"pool_size": pool}, ai))
        commits.append(Commit(ALICE, f"chore(release): {version}", {"_release": version}))
        groups.append((version, commits))
    return groups, planted


def windows(versions_: list[str], base_deploy: datetime) -> tuple[dict, dict]:
    """Commit windows and deploy times of the added releases (every RELEASE_DAYS after 1.5.0's deploy)."""
    wins, deploys = {}, {}
    for i, v in enumerate(versions_):
        lo = base_deploy + timedelta(days=RELEASE_DAYS * i + 1)
        hi = base_deploy + timedelta(days=RELEASE_DAYS * (i + 1) - 1)
        wins[v] = (lo.strftime("%Y-%m-%d"), hi.strftime("%Y-%m-%d"))
        deploys[v] = (base_deploy + timedelta(days=RELEASE_DAYS * (i + 1))).replace(hour=9, minute=30, tzinfo=UTC)
    return wins, deploys


__all__ = ["Func", "crash_line", "plan", "render_into", "versions", "windows"]
