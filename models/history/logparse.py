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

_NUMSTAT = re.compile(rb"^(\d+|-)\t(\d+|-)\t(.*)$", re.DOTALL)

COMMIT_SCHEMA = {
    "repo": pl.String,
    "sha": pl.String,
    "parents": pl.List(pl.String),
    "author_name": pl.String,
    "author_email": pl.String,
    "author_time": pl.Datetime("us"),
    "committer_name": pl.String,
    "committer_email": pl.String,
    "committer_time": pl.Datetime("us"),
    "subject": pl.String,
    "message": pl.String,
    "trailers": pl.List(pl.Struct({"key": pl.String, "value": pl.String})),
    "files_changed": pl.Int32,
    "lines_added": pl.Int32,
    "lines_deleted": pl.Int32,
    "degraded": pl.String,  # NULL, or why the commit's files or line counts are incomplete
}
FILE_SCHEMA = {
    "repo": pl.String,
    "sha": pl.String,
    "path": pl.String,
    "old_path": pl.String,
    "change_type": pl.String,
    "added": pl.Int32,
    "deleted": pl.Int32,
    "degraded": pl.String,  # NULL, or why the line counts are missing ('missing_object', ...)
}


@dataclass
class LogBatch:
    commits: pl.DataFrame
    files: pl.DataFrame


def _s(b: bytes) -> str:
    return b.decode("utf-8", "replace")


def _count(b: bytes) -> int | None:
    return None if b == b"-" else int(b)


_RAW_COLUMNS = [c for c in COMMIT_SCHEMA if c not in ("repo", "trailers", "degraded")]
_RAW_SCHEMA = {**{c: COMMIT_SCHEMA[c] for c in _RAW_COLUMNS}, "parents": pl.String}
_RAW_SCHEMA.update(author_time=pl.Int64, committer_time=pl.Int64)


class _Builder:
    """Accumulates plain Python columns; `flush` turns them into typed frames in a few Polars calls."""

    def __init__(self, repo: str):
        self.repo = repo
        self.c: dict[str, list] = {k: [] for k in _RAW_COLUMNS}
        self.f: dict[str, list] = {k: [] for k in FILE_SCHEMA if k not in ("repo", "degraded")}
        self.t: dict[str, list] = {"sha": [], "key": [], "value": []}  # trailers, one row each

    def __len__(self) -> int:
        return len(self.c["sha"])

    def add_commit(
        self, header: list[bytes], raw: list[tuple[str, str | None, str]], nums: dict[str, tuple]
    ) -> None:
        sha_b, parents, an, ae, at, cn, ce, ct, body = header
        sha, message = _s(sha_b), _s(body).rstrip("\n")
        f = self.f
        for status, old, path in raw:
            a, d = nums.get(path, (None, None))
            f["sha"].append(sha)
            f["path"].append(path)
            f["old_path"].append(old)
            f["change_type"].append(status[:1])
            f["added"].append(a)
            f["deleted"].append(d)
        for key, value in parse_trailers(message):
            self.t["sha"].append(sha)
            self.t["key"].append(key)
            self.t["value"].append(value)
        c = self.c
        c["sha"].append(sha)
        c["parents"].append(_s(parents))
        c["author_name"].append(_s(an))
        c["author_email"].append(_s(ae))
        c["author_time"].append(int(at or 0) * 1_000_000)
        c["committer_name"].append(_s(cn))
        c["committer_email"].append(_s(ce))
        c["committer_time"].append(int(ct or 0) * 1_000_000)
        c["subject"].append(message.split("\n", 1)[0].strip())
        c["message"].append(message)
        c["files_changed"].append(len(raw))
        c["lines_added"].append(sum(nums.get(p, (0, 0))[0] or 0 for _, _, p in raw))
        c["lines_deleted"].append(sum(nums.get(p, (0, 0))[1] or 0 for _, _, p in raw))

    def flush(self) -> LogBatch:
        trailers = (
            pl.DataFrame(self.t, schema={"sha": pl.String, "key": pl.String, "value": pl.String})
            .group_by("sha", maintain_order=True)
            .agg(pl.struct("key", "value").alias("trailers"))
        )
        commits = (
            pl.DataFrame(self.c, schema=_RAW_SCHEMA)
            .join(trailers, on="sha", how="left", maintain_order="left")
            .with_columns(
                pl.lit(self.repo).alias("repo"),
                pl.when(pl.col("parents") == "")
                .then(pl.lit([], dtype=pl.List(pl.String)))
                .otherwise(pl.col("parents").str.split(" "))
                .alias("parents"),
                pl.col("author_time").cast(pl.Datetime("us")),
                pl.col("committer_time").cast(pl.Datetime("us")),
                pl.col("trailers").fill_null(pl.lit([], dtype=COMMIT_SCHEMA["trailers"])),
                pl.lit(None, dtype=pl.String).alias("degraded"),
            )
            .select(list(COMMIT_SCHEMA))
            .cast(COMMIT_SCHEMA)
        )
        files = pl.DataFrame(
            self.f, schema={k: v for k, v in FILE_SCHEMA.items() if k not in ("repo", "degraded")}
        ).with_columns(pl.lit(None, dtype=pl.String).alias("degraded"))
        batch = LogBatch(commits, files.select(pl.lit(self.repo).alias("repo"), *files.columns))
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
