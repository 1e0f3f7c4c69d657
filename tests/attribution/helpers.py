"""Test helpers: real git repositories built commit by commit, and production events in the warehouse."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from models.config import Config, PathMapping, RepositoryConfig


class GitRepoBuilder:
    """A real repository in a temp dir; commits with fixed dates so history order is deterministic."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Dev")
        self.git("config", "user.email", "dev@example.com")
        self.git("config", "commit.gpgsign", "false")
        self._n = 0

    def git(self, *args: str, env: dict | None = None) -> str:
        out = subprocess.run(
            ["git", "-C", str(self.path), *args],
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            check=True,
        )
        return out.stdout.strip()

    def commit(
        self,
        files: dict[str, str | None],
        message: str,
        *,
        author: str = "Dev <dev@example.com>",
        when: str | None = None,
    ) -> str:
        """Write (or delete, value None) files and commit them; returns the sha."""
        self._n += 1
        for rel, text in files.items():
            p = self.path / rel
            if text is None:
                self.git("rm", "-q", "--", rel)
                continue
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
            self.git("add", "--", rel)
        when = when or f"2026-01-{self._n:02d}T12:00:00+00:00"
        name, _, email = author.partition(" <")
        env = {
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_DATE": when,
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email.rstrip(">"),
        }
        self.git("commit", "-q", "--allow-empty", "-m", message, env=env)
        return self.git("rev-parse", "HEAD")

    def tag(self, name: str, rev: str = "HEAD") -> None:
        self.git("tag", name, rev)


def repo_config(
    path: Path,
    name: str = "shop",
    *,
    mappings: tuple[tuple[str, str], ...] = (),
    release_pattern: str | None = "v{version}",
    release_table: dict | None = None,
) -> RepositoryConfig:
    return RepositoryConfig(
        name=name,
        path=path,
        release_pattern=release_pattern,
        release_table=release_table or {},
        path_mappings=tuple(PathMapping(a, b) for a, b in mappings),
    )


def config_for(*repos: RepositoryConfig) -> Config:
    return Config(repositories=tuple(repos))


def event_frames(con, event_id: str, columns: str) -> dict[int, tuple]:
    """{frame_index: (columns...)} of one event's frames in `frame_attribution` (`columns`: the test's own)."""
    rows = con.execute(f"SELECT frame_index, {columns} FROM frame_attribution WHERE event_id = ?", [event_id])
    return {r[0]: r[1:] for r in rows.fetchall()}


def add_event(
    con,
    event_id: str,
    frames: list[dict],
    *,
    release: str | None = "v1",
    ts: str = "2026-02-01 10:00:00",
    service: str | None = None,
    exception_type: str = "ValueError",
) -> None:
    """One error event with its main exception and frames (outermost first, like Sentry)."""
    con.execute(
        "INSERT INTO core.events (event_id, origin, platform, ts, release, service, exception_type, file_id, ingested_at)"
        " VALUES (?, 'sentry', 'python', ?, ?, ?, ?, 'test', now()::TIMESTAMP)",
        [event_id, ts, release, service, exception_type],
    )
    con.execute(
        "INSERT INTO core.exceptions (event_id, exception_index, is_main, type) VALUES (?, 0, true, ?)",
        [event_id, exception_type],
    )
    for i, f in enumerate(frames):
        con.execute(
            "INSERT INTO core.frames (event_id, exception_index, frame_index, is_innermost, filename, abs_path,"
            " module, function, lineno, context_line, pre_context, post_context, in_app)"
            " VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                event_id,
                i,
                i == len(frames) - 1,
                f.get("filename"),
                f.get("abs_path"),
                f.get("module"),
                f.get("function", "f"),
                f.get("lineno"),
                f.get("context_line"),
                f.get("pre_context"),
                f.get("post_context"),
                f.get("in_app", True),
            ],
        )


def add_cluster(con, cluster_id: str, event_ids: list[str], title: str | None = None) -> None:
    """A cluster whose members are exactly these events (one fingerprint per cluster)."""
    fp = f"fp-{cluster_id}"
    for e in event_ids:
        con.execute(
            "INSERT INTO core.event_fingerprints (event_id, fingerprint, variant, title) VALUES (?, ?, 'app', ?)",
            [e, fp, title],
        )
    con.execute(
        "INSERT INTO core.cluster_members VALUES (?, 'fingerprint', ?, now()::TIMESTAMP)", [fp, cluster_id]
    )
    con.execute(
        "INSERT INTO core.clusters (cluster_id, status, title, failure_class, event_count, created_at, updated_at)"
        " VALUES (?, 'active', ?, 'unknown', ?, now()::TIMESTAMP, now()::TIMESTAMP)",
        [cluster_id, title or cluster_id, len(event_ids)],
    )


def frame(path: str, lineno: int, context_line: str | None, **kw) -> dict:
    return {
        "abs_path": path,
        "filename": path.rsplit("/", 1)[-1],
        "lineno": lineno,
        "context_line": context_line,
        **kw,
    }


def git_blame_line(repo: Path, rev: str, path: str, line: int, ignore_revs: Path | None = None) -> str:
    """What `git blame -w -L N,N REV -- PATH` says (the reference the cache must agree with)."""
    args = ["git", "-C", str(repo), "blame", "-w", "--porcelain", "-L", f"{line},{line}"]
    if ignore_revs:
        args += ["--ignore-revs-file", str(ignore_revs)]
    out = subprocess.run([*args, rev, "--", path], capture_output=True, text=True, check=True).stdout
    return out.split(" ", 1)[0]
