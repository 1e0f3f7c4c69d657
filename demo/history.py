"""The git history of the demo service: who changed what, with which AI tool, and the release tags.

`PLAN` lists the commits per release. Each commit is a state change for `shop_code.render`; the
builder writes the re-rendered files and commits them with fixed identities and dates (from the
seed), so the same seed always yields the same shas. AI tools leave their real markers
(see /work/shared/reference/ai-commit-markers.md).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from demo import shop_code

ALICE = ("Alice Moreau", "alice@shop.example")
BOB = ("Bob Nakamura", "bob@shop.example")
CAROL = ("Carol Diaz", "carol@shop.example")
DANA = ("Dana Whitfield", "dana@shop.example")
HUMANS = (ALICE, BOB, CAROL, DANA)
COPILOT = ("Copilot", "198982749+Copilot@users.noreply.github.com")
GITHUB = ("GitHub", "noreply@github.com")
JULES = ("google-labs-jules[bot]", "161369871+google-labs-jules[bot]@users.noreply.github.com")

CLAUDE_TAIL = ("\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\n"
               "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>")
CURSOR_TAIL = "\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>"
CODEX_TAIL = "\n\nCo-authored-by: Codex <noreply@openai.com>"
DEVIN_TAIL = ("\n\nGenerated with [Devin](https://devin.ai/sessions/4b1f0c2e9a7d)\n\n"
              "Co-Authored-By: Devin AI <158243242+devin-ai-integration[bot]@users.noreply.github.com>")

# tool key -> (evidence kind, ai_authored)
TOOL_EVIDENCE = {
    "claude_code": ("trailer", True), "cursor": ("trailer", True), "codex": ("trailer", True),
    "devin": ("trailer", True), "copilot_agent": ("author", True), "jules": ("author", True),
    "aider": ("author", True), "aider_committer": ("committer", False), "git_ai_note": ("git_ai_note", True),
}


@dataclass
class Commit:
    author: tuple[str, str]
    message: str
    change: dict
    tool: str | None = None  # key of TOOL_EVIDENCE
    note_tool: str | None = None  # git-ai note tool (for tool == 'git_ai_note')
    sha: str = ""
    when: datetime | None = None
    committer: tuple[str, str] | None = None
    extra: dict = field(default_factory=dict)


def _c(author, message, tool=None, **change) -> Commit:
    return Commit(author=author, message=message, change=change, tool=tool)


RUNBOOK = [
    ("Restarting the API", "Roll the `shop-api` deployment; requests drain in 30 s."),
    ("Database backups", "`sqlite3 shop.db .backup` runs nightly at 02:00 UTC."),
    ("Payment provider status", "Check https://status.payments.example before paging."),
    ("Worker backlog", "If the queue is above 10k jobs, scale `shop-worker` to 4 replicas."),
    ("Rotating API keys", "Keys live in the secret store; restart both services after rotation."),
    ("Carrier outages", "Quotes fall back to the standard rate when the carrier does not answer."),
    ("Refund escalations", "Refunds older than 30 days go to the finance queue."),
    ("Export files", "Finance reads exports from the shared volume every morning."),
    ("Monthly reports", "Reports are archived gzip-compressed under `reports/`."),
    ("On-call handover", "Handover notes go to #shop-oncall every Monday."),
    ("Log retention", "Application logs are kept 30 days, compressed after 7."),
    ("Feature flags", "Flags are environment variables prefixed `SHOP_FLAG_`."),
    ("Load testing", "Run the k6 script in `ops/` against staging only."),
    ("Schema changes", "Add columns only; never rename in place."),
    ("Incident reviews", "Every SEV1/SEV2 gets a blameless review within 5 days."),
    ("Cache warmup", "Prices are warmed from the catalog after each deploy."),
    ("Webhook replays", "Provider webhooks may be replayed from their dashboard."),
    ("Disk space", "Alert at 80% on the export volume."),
]


def plan() -> list[tuple[str, list[Commit]]]:
    """(release version, commits) in order; the last commit of each group is the release commit."""
    rb = iter(RUNBOOK)

    def runbook(author, tool=None):
        title, body = next(rb)
        return Commit(author, f"docs(runbook): {title.lower()}", {"_runbook": (title, body)}, tool)

    g1 = [
        _c(ALICE, "Initial project skeleton\n\nConfig, HTTP helpers, SQLite orders repository, pricing, "
                  "payment gateway and the worker runner."),
        _c(BOB, "test: orders repository round trip", tests=("repo",)),
        _c(CAROL, "feat(refunds): 30-day refund window", b7="planted"),
        _c(ALICE, "docs: how to run the service", readme=1),
        _c(BOB, "feat(repo): search orders by customer name\n\nSupport asked for a way to find a customer's "
                "orders by name.", b3="planted"),
        Commit(COPILOT, "Add carrier shipping quotes via the HTTP client\n\nAdds `fetch()` and "
                        "`OrderService.shipping_quote()`.\n\nCo-authored-by: Alice Moreau <alice@shop.example>",
               {"b1": "planted"}, "copilot_agent", committer=GITHUB),
        _c(DANA, "test: static price table", tests=("pricing",)),
        _c(ALICE, "ci: run tests on push" + CLAUDE_TAIL, "claude_code", ci=True),
        runbook(CAROL),
        _c(CAROL, "config: raise DB pool size to 8", pool_size=8),
        _c(BOB, "build: Makefile with test and lint targets" + CURSOR_TAIL, "cursor", makefile=True),
        _c(DANA, "docs: configuration section", readme=2),
        _c(ALICE, "test: gateway authorization header", tests=("gateway",)),
        Commit(JULES, "Add a Dockerfile for the API image", {"docker": True}, "jules", committer=JULES),
        runbook(DANA),
        Commit(CAROL, "test: refund window for recent orders", {"tests": ("refunds",)}, "aider_committer",
               committer=(CAROL[0] + " (aider)", CAROL[1])),
        runbook(BOB),
    ]
    g2 = [
        Commit((CAROL[0] + " (aider)", CAROL[1]), "feat(worker): export orders to CSV in batches",
               {"b6": "planted"}, "aider", committer=(CAROL[0] + " (aider)", CAROL[1])),
        _c(BOB, "feat(worker): record payments from provider webhooks" + DEVIN_TAIL, "devin", b5="planted"),
        runbook(ALICE),
        _c(ALICE, "feat(payments): retry charges when the provider answers 503\n\nUses a urllib3 Retry on a "
                  "dedicated session." + CLAUDE_TAIL, "claude_code", b2="planted"),
        _c(BOB, "feat(pricing): live prices from the catalog service" + CURSOR_TAIL, "cursor", b4="planted"),
        _c(DANA, "fix(repo): store payment timestamps in UTC with an offset", utc_paid_at=True),
        Commit(DANA, "feat(repo): order status updates", {"order_status": True}, "git_ai_note", note_tool="cursor"),
        _c(CAROL, "test: export writer", tests=("exports",)),
        runbook(CAROL),
        _c(ALICE, "docs: services section" + CLAUDE_TAIL, "claude_code", readme=3),
    ]
    g3 = [
        _c(ALICE, "fix(http): time out internal GETs; fall back to the standard shipping rate\n\n"
                  "Carrier quotes hung API workers for minutes.", b1="fixed"),
        _c(DANA, "style: format with black (line length 120)", black=True),
        Commit(DANA, "chore: ignore the black reformat in git blame", {"_ignore_prev": True}),
        _c(CAROL, "style: convert tabs to spaces in refunds.py", tabs_fixed=True),
        runbook(BOB),
        Commit(JULES, "feat(worker): send receipts after payment", {"b8": "planted"}, "jules", committer=JULES),
        _c(DANA, "feat(worker): monthly reports, gzip-compressed" + CODEX_TAIL, "codex", b9="planted"),
        _c(BOB, "test: monthly report" + CODEX_TAIL, "codex", tests=("reports",)),
        runbook(DANA),
        _c(ALICE, "config: export batch size 250", batch_size=250),
    ]
    g4 = [
        _c(DANA, "feat(worker): per-batch spool directories on the shared volume", b10="planted"),
        runbook(ALICE),
        _c(BOB, "feat(repo): count open orders", count_open=True),
        _c(ALICE, "fix(payments): back off between charge retries" + CODEX_TAIL, "codex", b2="fixed"),
        _c(CAROL, "fix(repo): payment webhooks are idempotent (INSERT OR IGNORE)", b5="fixed"),
        runbook(CAROL),
        _c(DANA, "docs: worker jobs", docs_worker=True),
    ]
    g5 = [
        _c(BOB, "refactor(http): simplify fetch and shipping quotes, rely on transport defaults" + CURSOR_TAIL, "cursor", b1="regressed"),
        runbook(BOB),
        _c(ALICE, "fix(reports): pass the report path as an argument, no shell", b9="fixed"),
        runbook(DANA),
        _c(CAROL, "config: currency setting", currency=True),
        runbook(ALICE),
    ]
    g6 = [
        runbook(CAROL),
        _c(DANA, "config: export batch size 400", batch_size=400),
        runbook(BOB),
        Commit(COPILOT, "Document the refund escalation path\n\nCo-authored-by: Carol Diaz <carol@shop.example>",
               {"_runbook": ("Refund disputes", "Disputed refunds are answered within 2 business days.")},
               "copilot_agent", committer=GITHUB),
        runbook(ALICE),
    ]
    groups = [("1.0.0", g1), ("1.1.0", g2), ("1.2.0", g3), ("1.3.0", g4), ("1.4.0", g5), ("1.5.0", g6)]
    out = []
    for version, commits in groups:
        commits = commits + [_c(ALICE, f"chore(release): {version}", _release=version)]
        out.append((version, commits))
    return out


# Commit windows (UTC) per release; deploys follow within the production period.
WINDOWS = {
    "1.0.0": ("2026-08-03", "2026-10-19"), "1.1.0": ("2026-10-21", "2026-10-25"),
    "1.2.0": ("2026-10-26", "2026-10-31"), "1.3.0": ("2026-11-01", "2026-11-06"),
    "1.4.0": ("2026-11-07", "2026-11-10"), "1.5.0": ("2026-11-12", "2026-11-15"),
}


def _git(repo: Path, *args: str, env: dict | None = None, stdin: str | None = None) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=env, input=stdin, text=True, check=True,
                          capture_output=True).stdout


def _base_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", TZ="UTC", LC_ALL="C")
    return env


def _when(version: str, i: int, n: int, rng: random.Random, windows: dict) -> datetime:
    lo, hi = (datetime.fromisoformat(d).replace(tzinfo=UTC) for d in windows[version])
    span = (hi - lo).total_seconds()
    base = lo + timedelta(seconds=span * (i + 0.5) / n)
    day = base.replace(hour=9, minute=0, second=0)
    return day + timedelta(hours=rng.randint(0, 8), minutes=rng.randint(0, 59), seconds=rng.randint(0, 59))


def build(repo: Path, seed: int, extra: list | None = None, extra_windows: dict | None = None) -> dict:
    """Create the repository; return {commits: [...], releases: {version: (sha, when)}, state_log}.

    `extra`: more (version, commits) groups after the plan, committed in `extra_windows` (`--risk-history`)."""
    windows = {**WINDOWS, **(extra_windows or {})}
    rng = random.Random(seed * 7919 + 1)
    repo.mkdir(parents=True, exist_ok=True)
    env = _base_env()
    _git(repo, "init", "-q", "-b", "main", env=env)
    state = dict(shop_code.DEFAULT_STATE)
    written: dict[str, str] = {}
    commits: list[Commit] = []
    releases: dict[str, tuple[str, datetime]] = {}
    for version, group in plan() + list(extra or []):
        for i, c in enumerate(group):
            c.when = _when(version, i, len(group), rng, windows)
            change = dict(c.change)
            if "_runbook" in change:
                state["runbook"] = state["runbook"] + (change.pop("_runbook"),)
            if change.pop("_ignore_prev", False):
                prev = commits[-1]
                state["ignore_revs"] = f"# {prev.message.splitlines()[0]}\n{prev.sha}\n"
            rel = change.pop("_release", None)
            if rel:
                state["version"] = rel
                state["changelog"] = state["changelog"] + (f"## {rel}\n\n- " + "\n- ".join(
                    x.message.splitlines()[0] for x in group[:-1] if not x.message.startswith(("docs(runbook)", "test:"))
                ) + "\n",)
            state.update(change)
            files = shop_code.render(state)
            for path in set(written) - set(files):
                (repo / path).unlink()
            for path, text in files.items():
                if written.get(path) != text:
                    (repo / path).parent.mkdir(parents=True, exist_ok=True)
                    (repo / path).write_text(text, encoding="utf-8")
            written = files
            committer = c.committer or c.author
            stamp = c.when.strftime("%Y-%m-%dT%H:%M:%S+0000")
            cenv = dict(env, GIT_AUTHOR_NAME=c.author[0], GIT_AUTHOR_EMAIL=c.author[1], GIT_AUTHOR_DATE=stamp,
                        GIT_COMMITTER_NAME=committer[0], GIT_COMMITTER_EMAIL=committer[1], GIT_COMMITTER_DATE=stamp)
            _git(repo, "add", "-A", env=cenv)
            _git(repo, "commit", "-q", "--allow-empty", "--no-verify", "-F", "-", env=cenv, stdin=c.message + "\n")
            c.sha = _git(repo, "rev-parse", "HEAD", env=env).strip()
            c.extra["state"] = dict(state)
            commits.append(c)
            if c.tool == "git_ai_note":
                _add_git_ai_note(repo, c, files, cenv)
            if rel:
                tenv = dict(cenv, GIT_COMMITTER_NAME=ALICE[0], GIT_COMMITTER_EMAIL=ALICE[1])
                _git(repo, "tag", "-a", f"shop@{rel}", "-m", f"shop {rel}", env=tenv)
                releases[rel] = (c.sha, c.when)
    return {"commits": commits, "releases": releases}


def _add_git_ai_note(repo: Path, c: Commit, files: dict[str, str], env: dict) -> None:
    """A git-ai authorship log (schema authorship/3.0.0) marking the lines this commit added as AI."""
    path = "src/shop/db/orders_repo.py"
    lines = files[path].splitlines()
    start = next(i for i, line in enumerate(lines) if "def set_status" in line) + 1
    end = start + 2
    key = "s_4e1d2c3b4a5968::t_0f1e2d3c4b5a69"
    meta = {"schema_version": "authorship/3.0.0", "git_ai_version": "1.4.2", "base_commit_sha": c.sha,
            "prompts": {key: {"agent_id": {"tool": c.note_tool, "id": "4e1d2c3b-4a59-6877-0f1e-2d3c4b5a6978",
                                           "model": "claude-4.5-sonnet"},
                              "human_author": f"{c.author[0]} <{c.author[1]}>", "messages": [],
                              "total_additions": end - start + 1, "total_deletions": 0,
                              "accepted_lines": end - start + 1, "overriden_lines": 0}}}
    note = f"{path}\n  {key} {start}-{end}\n---\n{json.dumps(meta, indent=2)}\n"
    c.extra["git_ai_note"] = {"path": path, "line_start": start, "line_end": end, "tool": c.note_tool}
    _git(repo, "notes", "--ref=ai", "add", "-F", "-", c.sha, env=env, stdin=note)
