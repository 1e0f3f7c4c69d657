"""Turn the token stream of `git log -z --raw --numstat` into Polars frames, batch by batch.

Token grammar (every token ends at a NUL, and no field can contain a NUL):
    commit := sha parents an ae at cn ce ct message  raw* numstat*
    raw    := ":<modes> <shas> <status>" path [path if status is R/C]
    numstat:= "<added>\t<deleted>\t<path>" | "<added>\t<deleted>\t" old_path new_path
The parser counts tokens instead of looking for separators, so a commit message or a file name
(untrusted text) cannot forge a commit or a file entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import polars as pl

from models.history.git import HEADER_FIELDS
from models.history.trailers import parse_trailers

_NUMSTAT = re.compile(rb"^(\d+|-)\t(\d+|-)\t(.*)$", re.S)

COMMIT_SCHEMA = {
    "repo": pl.String, "sha": pl.String, "parents": pl.List(pl.String),
    "author_name": pl.String, "author_email": pl.String, "author_time": pl.Datetime("us"),
    "committer_name": pl.String, "committer_email": pl.String, "committer_time": pl.Datetime("us"),
    "subject": pl.String, "message": pl.String,
    "trailers": pl.List(pl.Struct({"key": pl.String, "value": pl.String})),
    "files_changed": pl.Int32, "lines_added": pl.Int32, "lines_deleted": pl.Int32,
}
FILE_SCHEMA = {
    "repo": pl.String, "sha": pl.String, "path": pl.String, "old_path": pl.String,
    "change_type": pl.String, "added": pl.Int32, "deleted": pl.Int32,
}


@dataclass
class LogBatch:
    commits: pl.DataFrame
    files: pl.DataFrame


def _s(b: bytes) -> str:
    return b.decode("utf-8", "replace")


def _count(b: bytes) -> int | None:
    return None if b == b"-" else int(b)


class _Builder:
    def __init__(self, repo: str):
        self.repo = repo
        self.c: dict[str, list] = {k: [] for k in COMMIT_SCHEMA}
        self.f: dict[str, list] = {k: [] for k in FILE_SCHEMA}

    def __len__(self) -> int:
        return len(self.c["sha"])

    def add_commit(self, header: list[bytes], raw: list[tuple[str, str | None, str]], nums: dict[str, tuple]) -> None:
        sha, parents, an, ae, at, cn, ce, ct, body = header
        message = _s(body).rstrip("\n")
        added = deleted = 0
        for status, old, path in raw:
            a, d = nums.get(path, (None, None))
            kind = status[:1]
            self.f["repo"].append(self.repo)
            self.f["sha"].append(_s(sha))
            self.f["path"].append(path)
            self.f["old_path"].append(old)
            self.f["change_type"].append(kind)
            self.f["added"].append(a)
            self.f["deleted"].append(d)
            added += a or 0
            deleted += d or 0
        c = self.c
        c["repo"].append(self.repo)
        c["sha"].append(_s(sha))
        c["parents"].append(_s(parents).split())
        c["author_name"].append(_s(an))
        c["author_email"].append(_s(ae))
        c["author_time"].append(int(at or 0) * 1_000_000)
        c["committer_name"].append(_s(cn))
        c["committer_email"].append(_s(ce))
        c["committer_time"].append(int(ct or 0) * 1_000_000)
        c["subject"].append(message.split("\n", 1)[0].strip())
        c["message"].append(message)
        c["trailers"].append([{"key": k, "value": v} for k, v in parse_trailers(message)])
        c["files_changed"].append(len(raw))
        c["lines_added"].append(added)
        c["lines_deleted"].append(deleted)

    def flush(self) -> LogBatch:
        commits = pl.DataFrame(self.c, schema={**COMMIT_SCHEMA, "author_time": pl.Int64, "committer_time": pl.Int64})
        commits = commits.with_columns(
            pl.col("author_time").cast(pl.Datetime("us")), pl.col("committer_time").cast(pl.Datetime("us"))
        )
        batch = LogBatch(commits, pl.DataFrame(self.f, schema=FILE_SCHEMA))
        self.__init__(self.repo)
        return batch


def parse_log(tokens: Iterable[bytes], repo: str, batch_size: int = 20_000) -> Iterator[LogBatch]:
    """Group the tokens into commits and yield frames of at most `batch_size` commits."""
    out = _Builder(repo)
    it = iter(tokens)
    header: list[bytes] | None = None
    raw: list[tuple[str, str | None, str]] = []
    nums: dict[str, tuple] = {}
    for tok in it:
        body = tok.lstrip(b"\n")
        if header is not None and body.startswith(b":"):
            status = _s(body.rsplit(b" ", 1)[-1])
            if status[:1] in ("R", "C"):
                old, new = _s(next(it)), _s(next(it))
                raw.append((status, old, new))
            else:
                raw.append((status, None, _s(next(it))))
            continue
        m = _NUMSTAT.match(body) if header is not None else None
        if m:
            path = m.group(3)
            if not path:  # rename: old and new path follow as their own tokens
                next(it)
                path = next(it)
            nums[_s(path)] = (_count(m.group(1)), _count(m.group(2)))
            continue
        if not body:  # no top-level token is empty; tolerate stray separators
            continue
        # Anything else starts the next commit.
        if header is not None:
            out.add_commit(header, raw, nums)
            raw, nums = [], {}
            if len(out) >= batch_size:
                yield out.flush()
        header = [body] + [next(it) for _ in range(HEADER_FIELDS - 1)]
    if header is not None:
        out.add_commit(header, raw, nums)
    if len(out):
        yield out.flush()
