"""Fix detection and SZZ: when a cluster stops after a release, find the fix and refine the introducer.

SZZ (Śliwerski, Zimmermann, Zeller 2005; see shared/reference/szz.md): take the lines the fix deleted or
changed, blame them (`-w`) at the fix's parent, drop candidates made after the failure was first seen.
Like PyDriller, blank and comment-only lines are skipped. Among the candidates we keep the commit that
wrote the crash line when it is one of them, else the most frequent, the younger on a tie.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from models.attribution.gitrepo import GitRepo
from models.attribution.paths import same_code

_USELESS_PREFIXES = ("#", "//", "/*", "*", "'''", '"""')


@dataclass
class SzzResult:
    fix_commit: str
    introducer: str | None
    candidates: dict[str, int] = field(default_factory=dict)  # blamed commit -> deleted lines it wrote
    lines: list[dict] = field(default_factory=list)


def _useful(text: str) -> bool:
    t = text.strip()
    return bool(t) and not t.startswith(_USELESS_PREFIXES)


def _cosmetic(text: str) -> str:
    """A line with whitespace and quote style removed: equal values mean a formatting-only change."""
    return "".join(text.split()).replace('"', "'")


def find_fix_commit(git: GitRepo, last_revision: str, fix_revision: str, path: str, line: int) -> str | None:
    """First commit in last_revision..fix_revision that really changed the crash line (by content).

    Commits listed in `.git-blame-ignore-revs` and formatting-only edits of the line (whitespace,
    quote style) are not fixes.
    """
    lines = git.file_lines(last_revision, path)
    if not lines or line > len(lines):
        return None
    crash_text = lines[line - 1]
    ignored = set(git.ignore_revs(fix_revision))
    for commit in git.commits_between(last_revision, fix_revision, path):
        if commit in ignored:
            continue
        old, new = git.diff_lines(commit, path)
        if not any(same_code(text, crash_text) for _, text in old):
            continue
        if any(_cosmetic(text) == _cosmetic(crash_text) for _, text in new):
            continue  # the line survives modulo formatting
        return commit
    return None


def szz(
    git: GitRepo, fix_commit: str, path: str, first_seen: datetime | None, crash_text: str | None = None
) -> SzzResult:
    """B-SZZ with `-w` from `fix_commit` on one file; `first_seen` drops candidates younger than the failure."""
    result = SzzResult(fix_commit, None)
    parent = git.commit_sha(f"{fix_commit}^")
    changed = [(n, t) for n, t in git.changed_old_lines(fix_commit, path) if _useful(t)]
    if parent is None or not changed:
        return result
    blamed, commits = git.blame(parent, path)
    by_line = {b.line: b for b in blamed}
    limit = first_seen.replace(tzinfo=UTC).timestamp() if first_seen else None
    crash_owner = None
    counts: Counter[str] = Counter()
    for n, text in changed:
        b = by_line.get(n)
        if b is None:
            continue
        t = commits.get(b.commit_sha)
        if limit is not None and t is not None and t.author_time is not None and t.author_time > limit:
            continue  # made after the failure was first seen: cannot have caused it
        counts[b.commit_sha] += 1
        result.lines.append({"path": path, "line_at_parent": n, "commit": b.commit_sha})
        if crash_text is not None and same_code(text, crash_text):
            crash_owner = b.commit_sha
    result.candidates = dict(counts)
    if crash_owner:
        result.introducer = crash_owner
    elif counts:
        best = max(counts.values())
        tied = [c for c, k in counts.items() if k == best]
        result.introducer = max(tied, key=lambda c: (commits[c].author_time or 0) if c in commits else 0)
    return result
