"""Secrets out of the history stage's rows before they are stored (policy: models/sources/scrub.py).

A commit is one record: its subject, message and trailers get the whole policy (secrets and personal
data); its author and committer names and e-mail addresses, and the identity trailers (`Co-authored-by`,
`Signed-off-by`, any `*-by`), are identities the attribution and the AI markers read, so they keep
personal data and lose only secrets. Repository paths (changed files, git-ai
note paths) lose only secrets. Classification runs on the raw commit before this (markers read
`Co-authored-by` lines), and re-classification of stored commits sees the same markers: tool and bot
identities (`noreply@anthropic.com`, `...@users.noreply.github.com`) are not personal data.
"""

from __future__ import annotations

import polars as pl

from models.sources.scrub import scrub_record, scrub_text

_IDENTITY = ("author_name", "author_email", "committer_name", "committer_email")


def scrub_commits(commits: pl.DataFrame) -> pl.DataFrame:
    """Subject, message and trailers (whole policy) and identities (secrets only), row by row."""
    if commits.is_empty():
        return commits
    columns = {c: commits[c].to_list() for c in ("subject", "message", *_IDENTITY)}
    trailers = commits["trailers"].to_list() if "trailers" in commits.columns else [None] * commits.height
    for i in range(commits.height):
        pairs = trailers[i] or []
        identity = [(t["key"] or "").lower().endswith("-by") for t in pairs]
        full = [columns["subject"][i], columns["message"][i]] + [t["key"] for t in pairs]
        full += [t["value"] for t, who in zip(pairs, identity, strict=True) if not who]
        ids = [columns[c][i] for c in _IDENTITY] + [t["value"] for t, who in zip(pairs, identity, strict=True) if who]
        full_out, ids_out = scrub_record(full, ids)
        if full_out == full and ids_out == ids:
            continue
        columns["subject"][i], columns["message"][i] = full_out[:2]
        keys, plain, people = iter(full_out[2 : 2 + len(pairs)]), iter(full_out[2 + len(pairs) :]), iter(ids_out[4:])
        trailers[i] = [{"key": next(keys), "value": next(people) if who else next(plain)} for who in identity]
        for c, v in zip(_IDENTITY, ids_out[:4], strict=True):
            columns[c][i] = v
    out = commits.with_columns(pl.Series(c, v, dtype=pl.String) for c, v in columns.items())
    if "trailers" in commits.columns:
        out = out.with_columns(pl.Series("trailers", trailers, dtype=commits.schema["trailers"]))
    return out


def scrub_paths(frame: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    """Repository paths: secrets only (a path is evidence attribution joins on)."""
    present = [c for c in columns if c in frame.columns]
    return frame.with_columns(
        pl.col(c).map_elements(lambda p: scrub_text(p, personal=False), return_dtype=pl.String) for c in present
    ) if present and not frame.is_empty() else frame


def scrub_classification(ai: pl.DataFrame) -> pl.DataFrame:
    """The matched marker text of commit_ai (evidence, all_evidence): secrets only, like the identities
    it is mostly read from."""
    present = [c for c in ("evidence", "all_evidence") if c in ai.columns]
    if ai.is_empty() or not present:
        return ai
    return ai.with_columns(
        pl.col(c).map_elements(lambda t: scrub_text(t, personal=False), return_dtype=ai.schema[c]) for c in present
    )
