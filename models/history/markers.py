"""AI-origin markers (data in `markers.toml`) and the commit classifier built on them.

Every commit gets exactly one origin:
- `ai_authored`        some marker says a tool wrote the change (author identity, co-author trailer,
                       message line, or a git-ai note, applied later by `notes.py`);
- `ai_committed_only`  the only evidence is a tool in the committer identity (aider's dirty-file
                       commits: human code, committed by the tool);
- `unknown/human`      no marker. Markers are opt-out or opt-in, so this is never asserted as human.

Precedence when several markers match: ai_authored beats committed_only; a named tool beats `generic`;
then evidence kind author > trailer > message > committer; then file order.

Classification is vectorised with Polars (Rust regex engine); `classify_commit` runs the same code
on a one-row frame, so single and bulk classification cannot disagree.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from models.errors import ConfigError
from models.package_data import package_path

DEFAULT_MARKER_FILE = package_path("models.history", "markers.toml")
KINDS = ("author", "committer", "trailer", "message")
TARGETS = ("author", "committer", "message")
MEANINGS = ("ai_authored", "committed_only")
ORIGINS = ("ai_authored", "ai_committed_only", "unknown/human")
EVIDENCE_CAP = 300
_KIND_ORDER = {"author": 0, "trailer": 1, "message": 2, "committer": 3}
_TOOL_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class MarkerError(ConfigError):
    """A marker file is malformed; the message names the file and the marker id."""

    hint = "fix the marker file named above (or [ai] marker_files in hindsight.toml)"


@dataclass(frozen=True)
class Marker:
    id: str
    tool: str
    kind: str
    target: str
    meaning: str
    regex: str
    case_sensitive: bool = False
    examples: tuple[str, ...] = ()
    non_examples: tuple[str, ...] = ()
    source: str = ""

    @property
    def pattern(self) -> str:
        """The regex with its flags inline, valid for both Python `re` and Polars."""
        flags = ("" if self.case_sensitive else "i") + ("m" if self.target == "message" else "")
        return f"(?{flags})(?:{self.regex})" if flags else f"(?:{self.regex})"

    @property
    def rank(self) -> tuple:
        return (self.meaning != "ai_authored", self.tool == "generic", _KIND_ORDER[self.kind])


@dataclass(frozen=True)
class MarkerSet:
    markers: tuple[Marker, ...]
    files: tuple[Path, ...] = ()

    @property
    def digest(self) -> str:
        """Changes whenever a marker changes: stored per repository so a new set reclassifies."""
        blob = json.dumps([m.__dict__ for m in self.markers], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def __len__(self) -> int:
        return len(self.markers)

    def by_id(self, marker_id: str) -> Marker:
        return next(m for m in self.markers if m.id == marker_id)


@dataclass(frozen=True)
class Classification:
    origin: str
    ai_authored: bool
    tool: str | None = None
    evidence_kind: str | None = None
    evidence: str | None = None
    marker_id: str | None = None
    matches: list[dict] = field(default_factory=list)


def _marker(raw: dict, file: Path) -> Marker:
    mid = raw.get("id")
    where = f"{file}: marker {mid!r}"
    for key in ("id", "tool", "kind", "target", "meaning", "regex"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise MarkerError(f"{where}: field {key!r} is required and must be a non-empty string")
    if raw["kind"] not in KINDS:
        raise MarkerError(f"{where}: kind must be one of {KINDS}, got {raw['kind']!r}")
    if raw["target"] not in TARGETS:
        raise MarkerError(f"{where}: target must be one of {TARGETS}, got {raw['target']!r}")
    if raw["meaning"] not in MEANINGS:
        raise MarkerError(f"{where}: meaning must be one of {MEANINGS}, got {raw['meaning']!r}")
    if not _TOOL_NAME.match(raw["tool"]):
        raise MarkerError(f"{where}: tool must be a lower-case identifier, got {raw['tool']!r}")
    m = Marker(
        id=raw["id"],
        tool=raw["tool"],
        kind=raw["kind"],
        target=raw["target"],
        meaning=raw["meaning"],
        regex=raw["regex"],
        case_sensitive=bool(raw.get("case_sensitive", False)),
        examples=tuple(raw.get("examples", ())),
        non_examples=tuple(raw.get("non_examples", ())),
        source=str(raw.get("source", "")),
    )
    try:
        compiled = re.compile(m.pattern)
        pl.Series([""]).str.contains(m.pattern)  # the engine that runs it must accept it too
    except (re.error, pl.exceptions.ComputeError) as exc:
        raise MarkerError(f"{where}: invalid regex {m.regex!r}: {exc}") from None
    for ex in m.examples:
        if not compiled.search(ex):
            raise MarkerError(f"{where}: its regex does not match its own example {ex!r}")
    for ex in m.non_examples:
        if compiled.search(ex):
            raise MarkerError(f"{where}: its regex matches its non-example {ex!r}")
    return m


def load_markers(extra_files=()) -> MarkerSet:
    """The shipped markers plus every extra file (config `[ai] marker_files`), in order.

    An extra marker with an existing id replaces it; `enabled = false` removes it.
    """
    files = [DEFAULT_MARKER_FILE, *(Path(f) for f in extra_files)]
    by_id: dict[str, Marker] = {}
    for file in files:
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise MarkerError(f"marker file not found: {file}") from None
        except tomllib.TOMLDecodeError as exc:
            raise MarkerError(f"{file}: not valid TOML: {exc}") from None
        entries = data.get("markers", [])
        if not isinstance(entries, list):
            raise MarkerError(f"{file}: 'markers' must be an array of tables ([[markers]])")
        seen: set[str] = set()
        for raw in entries:
            if raw.get("enabled", True) is False:
                by_id.pop(str(raw.get("id")), None)
                continue
            m = _marker(raw, file)
            if m.id in seen:
                raise MarkerError(f"{file}: marker id {m.id!r} appears twice")
            seen.add(m.id)
            by_id[m.id] = m
    return MarkerSet(tuple(by_id.values()), tuple(files))


def _normalise(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_all("\r\n", "\n", literal=True).str.replace_all(r"[ \t\r]+(\n|$)", "$1")


def classify_frame(commits: pl.DataFrame, markers: MarkerSet) -> pl.DataFrame:
    """One classification row per input row (same order).

    Input columns: author_name, author_email, committer_name, committer_email, message (repo and sha
    are passed through when present). Output: repo, sha, origin, ai_authored, ai_tool, evidence_kind,
    evidence, marker_id, all_evidence (JSON array of every match, best first).
    """
    keys = [c for c in ("repo", "sha") if c in commits.columns]
    base = commits.select(
        *keys,
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_i"),
        pl.format("{} <{}>", pl.col("author_name").fill_null(""), pl.col("author_email").fill_null("")).alias(
            "author"
        ),
        pl.format(
            "{} <{}>", pl.col("committer_name").fill_null(""), pl.col("committer_email").fill_null("")
        ).alias("committer"),
        _normalise(pl.col("message").fill_null("")).alias("message"),
    )
    ordered = sorted(enumerate(markers.markers), key=lambda p: (p[1].rank, p[0]))
    hits = [
        base.select(
            "_i", pl.col(m.target).str.extract(m.pattern, 0).str.slice(0, EVIDENCE_CAP).alias("evidence")
        )
        .filter(pl.col("evidence").is_not_null())
        .with_columns(
            pl.lit(rank, pl.Int32).alias("_rank"),
            pl.lit(m.id).alias("marker_id"),
            pl.lit(m.tool).alias("tool"),
            pl.lit(m.kind).alias("kind"),
            pl.lit(m.meaning).alias("meaning"),
        )
        for rank, (_, m) in enumerate(ordered)
    ]
    empty = pl.DataFrame(
        schema={
            "_i": pl.UInt32,
            "evidence": pl.String,
            "_rank": pl.Int32,
            "marker_id": pl.String,
            "tool": pl.String,
            "kind": pl.String,
            "meaning": pl.String,
        }
    )
    long = pl.concat([empty, *hits], how="vertical_relaxed").sort("_i", "_rank")
    best = long.group_by("_i", maintain_order=True).agg(
        pl.col("marker_id").first(),
        pl.col("tool").first().alias("ai_tool"),
        pl.col("kind").first().alias("evidence_kind"),
        pl.col("meaning").first(),
        pl.col("evidence").first(),
        pl.struct("marker_id", "tool", "kind", "meaning", "evidence")
        .struct.json_encode()
        .str.join(",")
        .alias("_all"),
    )
    out = base.select(*keys, "_i").join(best, on="_i", how="left", maintain_order="left")
    origin = (
        pl.when(pl.col("meaning") == "ai_authored")
        .then(pl.lit("ai_authored"))
        .when(pl.col("meaning") == "committed_only")
        .then(pl.lit("ai_committed_only"))
        .otherwise(pl.lit("unknown/human"))
    )
    return out.select(
        *keys,
        origin.alias("origin"),
        (pl.col("meaning") == "ai_authored").fill_null(False).alias("ai_authored"),
        "ai_tool",
        "evidence_kind",
        "evidence",
        "marker_id",
        pl.when(pl.col("_all").is_null())
        .then(pl.lit("[]"))
        .otherwise(pl.format("[{}]", pl.col("_all")))
        .alias("all_evidence"),
    )


def _split_identity(identity: str) -> tuple[str, str]:
    m = re.match(r"^(.*?)\s*<([^>]*)>\s*$", identity or "")
    return (m.group(1), m.group(2)) if m else ((identity or "").strip(), "")


def classify_commit(
    author: str, committer: str, message: str, markers: MarkerSet | None = None
) -> Classification:
    """Classify one commit. `author`/`committer` are `Name <email>` strings, `message` the full body."""
    markers = markers or load_markers()
    an, ae = _split_identity(author)
    cn, ce = _split_identity(committer)
    frame = pl.DataFrame(
        {
            "author_name": [an],
            "author_email": [ae],
            "committer_name": [cn],
            "committer_email": [ce],
            "message": [message],
        }
    )
    row = classify_frame(frame, markers).row(0, named=True)
    return Classification(
        origin=row["origin"],
        ai_authored=row["ai_authored"],
        tool=row["ai_tool"],
        evidence_kind=row["evidence_kind"],
        evidence=row["evidence"],
        marker_id=row["marker_id"],
        matches=json.loads(row["all_evidence"]),
    )
