"""A real git repository whose defect-inducing commits are known: large feature changes to `app/` break.

History (deterministic per seed): feature commits append functions to app/core.py or app/util.py; every
feature adding at least BUGGY_LINES lines is defect-inducing, and a later commit whose message says
"fix" changes one of its lines (so SZZ from the fix blames it). Docs and test commits never break.
Some features carry a Claude Code trailer (AI-authored).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from attribution.helpers import GitRepoBuilder

AUTHORS = ["Ana <ana@example.com>", "Ben <ben@example.com>", "Chi <chi@example.com>", "Dee <dee@example.com>"]
CLAUDE = "\n\nCo-Authored-By: Claude <noreply@anthropic.com>"
BUGGY_LINES = 30
START = datetime(2025, 1, 1, 9, tzinfo=UTC)


class World:
    def __init__(self, path: Path, seed: int = 0):
        self.repo = GitRepoBuilder(path)
        self.rng = random.Random(seed)
        self.files: dict[str, list[str]] = {"app/core.py": ['"""Core."""'], "app/util.py": ['"""Util."""'],
                                            "docs/guide.md": ["# Guide"], "tests/test_core.py": ["import app"]}
        self.n = 0
        self.buggy: list[str] = []  # defect-inducing commits (truth)
        self.fixes: list[str] = []
        self.pending: list[tuple[int, str, str, str]] = []  # (due commit number, path, line, inducing sha)

    def when(self) -> str:
        return (START + timedelta(hours=7 * self.n)).isoformat()

    def commit(self, paths: list[str], message: str, author: str) -> str:
        self.n += 1
        return self.repo.commit({p: "\n".join(self.files[p]) + "\n" for p in paths}, message, author=author,
                                when=self.when())

    def feature(self, lines: int, author: str, ai: bool = False, path: str | None = None) -> str:
        path = path or self.rng.choice(["app/core.py", "app/util.py"])
        k = self.n
        body = [f"def f{k}_{i}(x):\n    return x * {k} + {i}" for i in range(lines // 2)]
        self.files[path] += body
        sha = self.commit([path], f"feat: function group {k}" + (CLAUDE if ai else ""), author)
        if lines >= BUGGY_LINES:
            self.buggy.append(sha)
            target = body[len(body) // 2]
            self.pending.append((self.n + self.rng.randint(3, 8), path, target, sha))
        return sha

    def docs(self, author: str) -> str:
        self.files["docs/guide.md"].append(f"Paragraph {self.n}.")
        return self.commit(["docs/guide.md"], f"docs: paragraph {self.n}", author)

    def test(self, author: str) -> str:
        self.files["tests/test_core.py"].append(f"def test_{self.n}():\n    assert True")
        return self.commit(["tests/test_core.py"], f"test: case {self.n}", author)

    def due_fixes(self) -> None:
        for item in [p for p in self.pending if p[0] <= self.n]:
            self.pending.remove(item)
            _, path, target, _ = item
            i = self.files[path].index(target)
            self.files[path][i] = target.replace("return x *", "return 1 + x *")
            self.fixes.append(self.commit([path], f"fix: off-by-one in {target.split('(')[0][4:]}", AUTHORS[0]))

    def build(self, commits: int = 140) -> World:
        while self.n < commits:
            self.due_fixes()
            r = self.rng.random()
            author = self.rng.choice(AUTHORS)
            if r < 0.35:
                big = self.rng.random() < 0.4
                self.feature(self.rng.randint(BUGGY_LINES, 60) if big else self.rng.randint(2, 12), author,
                             ai=self.rng.random() < 0.3)
            elif r < 0.75:
                self.docs(author)
            else:
                self.test(author)
        self.due_fixes()
        return self


def build_world(path: Path, seed: int = 0, commits: int = 140) -> World:
    return World(path, seed).build(commits)
