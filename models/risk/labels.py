"""Labels: which commits induced a defect, from production (attribution) and from later fix commits (SZZ).

Two sources, kept apart in `core.risk_features.label_sources`:

- `production` — the rank-1 suspect commit of a production failure cluster (`core.suspect_commit_scores`:
  blame of the crash line, refined by SZZ when the fix shipped). Precise where it exists (the demo's
  planted commit is the top suspect of every bug cluster) but only covers failures production reported.
- `szz_fix` — B-SZZ from fix commits found by message keywords (Kamei's "bug, fix, defect, patch"):
  the lines a fix removed or changed in source files (tests, docs and non-code files skipped; blank and
  comment lines skipped), blamed with `git blame -w` at the fix's parent (honouring
  `.git-blame-ignore-revs`). Noisy: on the developer-informed oracle of Rosa et al. (ICSE 2021) B-SZZ has
  precision 0.39 and recall 0.69, and keyword fix detection adds its own false fixes (typo "fixes",
  refactors) — see shared/reference/szz.md.

Each label carries when it became known (the cluster's first event, the fix's commit time), so an
evaluation can train only on what was known at the time.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import polars as pl

from models.attribution.szz import _useful
from models.history.git import GitError
from models.history.redaction import scrub_paths
from models.risk.gitdiff import blame_lines, file_lines
from models.warehouse import read_sql, run_sql_file, unit_of_work

log = logging.getLogger(__name__)

# Fix commits (Kamei et al. 2013 purpose keywords). RE2- and Python-compatible.
FIX_PATTERN = r"(?i)\b(fix(es|ed|ing)?|bugs?|bugfix(es)?|hotfix(es)?|defects?|patch(es|ed)?)\b"
CODE_EXTENSIONS = frozenset(
    [
        ".py",
        ".pyx",
        ".js",
        ".jsx",
        ".ts",
        ".tsx",
        ".go",
        ".rs",
        ".java",
        ".kt",
        ".scala",
        ".c",
        ".h",
        ".cc",
        ".cpp",
        ".hpp",
        ".cs",
        ".rb",
        ".php",
        ".swift",
    ]
)
_TEST_PATH = re.compile(
    r"(^|/)(tests?|testing|__tests__|spec)/|(^|/)(test_[^/]*|[^/]*_test\.[a-z]+|conftest\.py)$"
)
MAX_LINES_PER_FIX = 400  # a "fix" rewriting more is a refactor or a reformat: its blame is noise


def is_source_file(path: str) -> bool:
    """Code a defect can live in: a source extension, not a test."""
    return Path(path).suffix.lower() in CODE_EXTENSIONS and not _TEST_PATH.search(path)


def szz_one(
    repo_path: Path, fix_sha: str, parent: str, ranges: list[tuple[str, int, int]]
) -> tuple[str, int, str | None, Counter]:
    """B-SZZ for one fix: (status, blamed lines, detail, Counter[(inducing sha, path)] of lines)."""
    by_path: dict[str, list[int]] = {}
    for path, start, count in ranges:
        if is_source_file(path):
            by_path.setdefault(path, []).extend(range(start, start + count))
    counts: Counter = Counter()
    blamed = 0
    errors = []
    for path, numbers in by_path.items():
        text = file_lines(repo_path, parent, path)
        if text is None:
            errors.append(f"{path}: unreadable at parent")
            continue
        useful = [n for n in numbers if 0 < n <= len(text) and _useful(text[n - 1])]
        if not useful:
            continue
        try:
            owners = blame_lines(repo_path, parent, path, useful)
        except GitError as exc:
            errors.append(f"{path}: {str(exc)[:200]}")
            continue
        for sha, _ in owners.values():
            counts[(sha, path)] += 1
            blamed += 1
    if blamed > MAX_LINES_PER_FIX:
        return "too_large", blamed, f"{blamed} lines blamed (> {MAX_LINES_PER_FIX})", Counter()
    if blamed:
        return "blamed", blamed, "; ".join(errors) or None, counts
    return ("failed" if errors else "no_lines"), 0, "; ".join(errors) or None, counts


def run_szz(
    con: duckdb.DuckDBPyConnection, repo: str, repo_path: Path, *, workers: int = 2, batch: int = 200
) -> dict:
    """SZZ for every fix commit not processed yet (incremental); returns counts per status."""
    todo = con.execute(
        read_sql("queries/risk/select_szz_todo"), {"repo": repo, "fix_pattern": FIX_PATTERN}
    ).fetchall()
    stats: Counter = Counter()
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        hunks = con.execute(
            read_sql("queries/risk/select_fix_hunks"), {"repo": repo, "shas": [s for s, _ in chunk]}
        ).fetchall()
        ranges: dict[str, list[tuple[str, int, int]]] = {}
        for sha, path, a, n in hunks:
            ranges.setdefault(sha, []).append((path, a, n))

        def work(item, ranges=ranges):
            sha, parent = item
            try:
                return sha, szz_one(repo_path, sha, parent, ranges.get(sha, []))
            except GitError as exc:  # a whole fix that git cannot read: recorded, not fatal
                return sha, ("failed", 0, str(exc)[:300], Counter())

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            results = list(pool.map(work, chunk))
        fixes = pl.DataFrame(
            [(repo, sha, st, n, detail) for sha, (st, n, detail, _) in results],
            schema={
                "repo": pl.Utf8,
                "fix_sha": pl.Utf8,
                "status": pl.Utf8,
                "blamed_lines": pl.Int32,
                "detail": pl.Utf8,
            },
            orient="row",
        )
        links = pl.DataFrame(
            [
                (repo, sha, ind, path, k)
                for sha, (_, _, _, c) in results
                for (ind, path), k in c.items()
                if ind != sha
            ],
            schema={
                "repo": pl.Utf8,
                "fix_sha": pl.Utf8,
                "inducing_sha": pl.Utf8,
                "path": pl.Utf8,
                "lines": pl.Int32,
            },
            orient="row",
        )
        with unit_of_work(con, risk_szz_fixes_batch=fixes, risk_szz_links_batch=scrub_paths(links, ("path",))):
            run_sql_file(con, "queries/risk/insert_szz_links")
            run_sql_file(con, "queries/risk/insert_szz")
        stats.update(st for _, (st, *_rest) in results)
    return dict(stats)


def labels(con: duckdb.DuckDBPyConnection, repo: str) -> pl.DataFrame:
    """(sha, source, known_at) of every defect-inducing commit known now (both sources)."""
    return con.sql(read_sql("queries/risk/select_labels"), params={"repo": repo}).pl()
