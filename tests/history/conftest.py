"""Real temporary git repositories for the history tests, built with `git` and GIT_* identity variables."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from models.config import RepositoryConfig

HUMAN = ("Alice Example", "alice@example.com")


def ident(who) -> tuple[str, str]:
    """('Name', 'email') from a tuple or a 'Name <email>' string."""
    if isinstance(who, tuple):
        return who
    name, _, email = who.rpartition(" <")
    return name, email.rstrip(">")


class GitRepo:
    """A throw-away repository; every commit sets author/committer/date through the environment."""

    def __init__(self, path: Path):
        self.path = path
        self._n = 0
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def _env(self, author, committer, when: int) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(
            GIT_CONFIG_NOSYSTEM="1",
            GIT_CONFIG_GLOBAL=os.devnull,
            HOME=str(self.path),
            GIT_AUTHOR_NAME=author[0],
            GIT_AUTHOR_EMAIL=author[1],
            GIT_AUTHOR_DATE=f"@{when} +0000",
            GIT_COMMITTER_NAME=committer[0],
            GIT_COMMITTER_EMAIL=committer[1],
            GIT_COMMITTER_DATE=f"@{when} +0000",
        )
        return env

    def git(
        self, *args: str, input: str | None = None, author=HUMAN, committer=None, when: int | None = None
    ) -> str:
        when = when if when is not None else 1_700_000_000 + self._n * 3600
        env = self._env(author, committer or author, when)
        out = subprocess.run(
            ["git", "-C", str(self.path), *args],
            input=input,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(f"git {args} failed: {out.stderr}")
        return out.stdout.strip()

    def write(self, rel: str, text: str | bytes) -> None:
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text if isinstance(text, bytes) else text.encode())

    def commit(self, message: str, files: dict | None = None, author=HUMAN, committer=None) -> str:
        """Write `files`, stage everything, commit with the given identities; returns the sha.

        Identities are (name, email) tuples or 'Name <email>' strings; the message is kept verbatim.
        """
        self._n += 1
        files = {f"f{self._n}.txt": f"change {self._n}\n"} if files is None else files
        for rel, text in files.items():
            self.write(rel, text)
        self.git("add", "-A")
        self.git(
            "commit",
            "-q",
            "--allow-empty",
            "--no-verify",
            "--cleanup=verbatim",
            "-F",
            "-",
            input=message,
            author=ident(author),
            committer=ident(committer) if committer else None,
        )
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def tag(self, name: str, rev: str = "HEAD", annotated: bool = False) -> None:
        self.git("tag", *(["-a", "-m", name] if annotated else []), name, rev)

    def note(self, rev: str, text: str) -> None:
        self.git("notes", "--ref=ai", "add", "-f", "-F", "-", rev, input=text)

    def config(self, **kw) -> RepositoryConfig:
        return RepositoryConfig(name=kw.pop("name", "shop"), path=self.path, **kw)


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")
