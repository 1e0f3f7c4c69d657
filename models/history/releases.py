"""Releases: which revision a release string names, and which releases shipped a revision.

Sources of `core.releases`, per repository:
- tags matching the repository's `release_pattern` (placeholders `{version}`, `{service}`; e.g.
  `v{version}`, `shop@{version}`, `{service}@{version}`, `{service}-v{version}`). The stored `release`
  is `{service}@{version}` when the pattern has a service (fixed like `shop@` or a placeholder), else
  `{version}`. Without a pattern, tags that
  look like versions (`v1.2.3`, `1.2.3`) are releases.
- the explicit `release_table` (release string → any revision git understands); it wins over tags.

`place_release` / `resolve_release` accept the forms events carry, in this order of precedence:
1. the release string exactly as a `release_table` entry (how = 'table'), a release or a tag ('tag');
2. a commit named by the string itself, when the hash names a commit of the repository: `git describe`
   output ('v1.2.3-14-g2414721', '-dirty') → 'describe'; a PEP 440 local version carrying a git hash
   (setuptools-scm '1.2.4.dev14+g2414721', '+g2414721.d20260101'; versioneer '1.2.3+14.g2414721.dirty')
   or a bare sha ('2414721', 40 hex digits) → 'hash'. A hash that names no commit falls through;
3. the same (service, version) after normalising ('v' prefix and a '+local' label without a hash
   dropped: '1.4.2+build.7' is '1.4.2') → 'tag'.
Anything else (`-dev`, '.devN' without a hash, '+local' labels on dev versions, broken strings) names
no revision here; attribution then infers one from the frames' source lines (`release_hint` gives it
the base version, distance and form to choose candidates from).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from models.errors import ConfigError
from models.history import git
from models.warehouse import run_sql_file

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_DEFAULT_TAG = re.compile(r"^[vV]?(?P<version>\d+(?:\.\d+)*(?:[-+][0-9A-Za-z.+_-]*)?)$")
_SHA = re.compile(r"^[0-9a-f]{7,64}$")
_DESCRIBE = re.compile(
    r"^(?P<tag>.+?)-(?P<distance>\d+)-g(?P<hash>[0-9a-f]{7,64})(?P<dirty>[-.](?:dirty|broken|modified))?$"
)
_LOCAL_HASH = re.compile(r"^g?(?P<hash>[0-9a-f]{7,64})$")
_DEV = re.compile(r"(?:[-._]?(?:dev|snapshot|pre|alpha|nightly)\d*)$", re.IGNORECASE)
_DEV_N = re.compile(r"[-._]?dev(?P<n>\d+)$", re.IGNORECASE)
_BASE = re.compile(r"^(?P<base>\d+(?:\.\d+)*)")

RELEASE_SCHEMA = {
    "repo": pl.String,
    "release": pl.String,
    "version": pl.String,
    "tag": pl.String,
    "sha": pl.String,
    "service": pl.String,
}


def compile_release_pattern(pattern: str | None) -> re.Pattern:
    """Regex for tag names from a pattern like 'v{version}' or '{service}@{version}'."""
    if not pattern:
        return _DEFAULT_TAG
    parts, pos = [], 0
    names = _PLACEHOLDER.findall(pattern)
    if "version" not in names:
        raise ConfigError(f"release_pattern {pattern!r} must contain {{version}}")
    for m in _PLACEHOLDER.finditer(pattern):
        name = m.group(1)
        if name not in ("version", "service"):
            raise ConfigError(
                f"release_pattern {pattern!r}: unknown placeholder {{{name}}} (use {{version}}, {{service}})"
            )
        parts.append(re.escape(pattern[pos : m.start()]))
        parts.append(
            r"(?P<version>[0-9A-Za-z][0-9A-Za-z.+_-]*)"
            if name == "version"
            else r"(?P<service>[A-Za-z0-9_.-]+?)"
        )
        pos = m.end()
    parts.append(re.escape(pattern[pos:]))
    return re.compile("^" + "".join(parts) + "$")


def literal_service(pattern: str | None) -> str | None:
    """'shop' for a pattern with a fixed service such as 'shop@{version}' (releases stay 'shop@1.4.2')."""
    m = re.fullmatch(r"([A-Za-z0-9_.-]+)@\{version\}", pattern or "")
    return m.group(1) if m else None


def split_release(release: str) -> tuple[str | None, str]:
    """('shop', '1.4.2') for 'shop@1.4.2'; (None, '1.4.2') for 'v1.4.2+build.7'."""
    service, sep, version = release.strip().rpartition("@")
    return (service or None) if sep else None, normalise_version(version)


def normalise_version(version: str) -> str:
    v = version.strip()
    if len(v) > 1 and v[0] in "vV" and v[1].isdigit():
        v = v[1:]
    return v.split("+", 1)[0]


@dataclass(frozen=True)
class ReleaseHint:
    """What a release string says about the code that ran, parsed without looking at the repository.

    form: 'describe' (git describe output), 'local_hash' (PEP 440 local version with a git hash),
    'bare_hash' (only a sha), 'dev' (a development version without hash: '-dev', '.devN', '-SNAPSHOT'),
    'local' (a '+label' without hash), 'plain' (a version such as '1.4.2'), 'broken' (no usable version:
    'unknown', '0.0.0', '%(version)s', ...).
    """

    service: str | None
    version: str  # the version part, 'v' prefix dropped
    form: str
    commit: str | None = None  # hex hash the string carries (a prefix, lower case)
    base: str | None = None  # the release version the string builds on ('0.86.2' for '0.86.2.dev45+g5683f1c')
    distance: int | None = None  # commits since the last tag (describe, '.devN', versioneer '+N.g...')
    dirty: bool = False

    @property
    def hash_how(self) -> str:
        return "describe" if self.form == "describe" else "hash"


def _base_of(version: str) -> str | None:
    m = _BASE.match(version)
    if not m or not any(c not in "0." for c in m.group("base")):
        return None  # no leading number, or only zeros ('0.0.0', '0+unknown'): a placeholder
    return m.group("base")


def release_hint(release: str) -> ReleaseHint:
    """Parse a release string as events carry it (see the module docstring for the forms)."""
    text = release.strip()
    service, sep, version = text.rpartition("@")
    service = (service or None) if sep else None
    v = version.strip()
    if len(v) > 1 and v[0] in "vV" and v[1].isdigit():
        v = v[1:]
    low = v.lower()
    if _SHA.match(low) and not re.fullmatch(r"\d+(?:\.\d+)*", v):
        return ReleaseHint(service, v, "bare_hash", commit=low)
    if _SHA.match(low) and len(low) >= 12:  # all digits but too long to be a version number
        return ReleaseHint(service, v, "bare_hash", commit=low)
    m = _DESCRIBE.match(v)
    if m:
        tag = m.group("tag")
        tag = tag[1:] if len(tag) > 1 and tag[0] in "vV" and tag[1].isdigit() else tag
        return ReleaseHint(
            service, v, "describe", commit=m.group("hash").lower(), base=_base_of(tag),
            distance=int(m.group("distance")), dirty=bool(m.group("dirty")),
        )  # fmt: skip
    public, plus, local = v.partition("+")
    dev_n = _DEV_N.search(public)
    distance = int(dev_n.group("n")) if dev_n else None
    is_dev = bool(_DEV.search(public))
    if plus:
        segments = [s for s in re.split(r"[.\-_]", local.lower()) if s]
        commit = next(
            (
                m.group("hash")
                for s in segments
                if (m := _LOCAL_HASH.match(s)) and not s.isdigit() and not re.fullmatch(r"d\d{8}", s)
            ),
            None,
        )
        dirty = any(s == "dirty" or re.fullmatch(r"d\d{8}", s) for s in segments)
        if commit and distance is None and segments and segments[0].isdigit():
            distance = int(segments[0])  # versioneer: 1.2.3+14.g2414721
        if commit:
            return ReleaseHint(
                service, v, "local_hash", commit=commit, base=_base_of(public), distance=distance, dirty=dirty
            )
    base = _base_of(public)
    if base is None:
        return ReleaseHint(service, v, "broken")
    if is_dev:
        return ReleaseHint(service, v, "dev", base=base, distance=distance)
    return ReleaseHint(service, v, "local" if plus else "plain", base=base)


def release_rows(repo_cfg, tags: list[tuple[str, str]]) -> pl.DataFrame:
    """Release rows from tags (matched by the pattern) and from the explicit table (resolved with git)."""
    rx = compile_release_pattern(repo_cfg.release_pattern)
    fixed_service = literal_service(repo_cfg.release_pattern)
    rows: dict[str, dict] = {}
    for tag, sha in tags:
        m = rx.match(tag)
        if not m:
            continue
        groups = m.groupdict()
        service, version = groups.get("service") or fixed_service, groups["version"]
        release = f"{service}@{version}" if service else version
        rows.setdefault(
            release, {"release": release, "version": version, "tag": tag, "sha": sha, "service": service}
        )
    table = dict(repo_cfg.release_table or {})
    if table:
        for release, rev in table.items():
            sha = git.resolve_commit(repo_cfg.path, str(rev))
            if sha is None:
                raise ConfigError(
                    f"repository {repo_cfg.name!r}: release_table entry {release!r} → {rev!r} names no commit"
                )
            service, version = split_release(release)
            rows[release] = {
                "release": release,
                "version": version,
                "tag": None,
                "sha": sha,
                "service": service,
            }
    frame = pl.DataFrame(list(rows.values()), schema={k: v for k, v in RELEASE_SCHEMA.items() if k != "repo"})
    return frame.select(pl.lit(repo_cfg.name).alias("repo"), *frame.columns)


def _q(con: duckdb.DuckDBPyConnection, name: str, **params) -> list[tuple]:
    return run_sql_file(con, f"queries/history/{name}", params).fetchall()


def _stored_commit(con: duckdb.DuckDBPyConnection, repo: str) -> Callable[[str], str | None]:
    """Prefix -> full sha from `core.commits`, else from git when the repository is on disk."""

    def lookup(prefix: str) -> str | None:
        hits = _q(con, "select_commits_by_prefix", repo=repo, prefix=prefix)
        if len(hits) == 1:
            return hits[0][0]
        if hits:
            return None  # ambiguous prefix
        rows = _q(con, "select_repository_path", repo=repo)
        if rows and Path(rows[0][0]).exists():
            sha = git.resolve_commit(rows[0][0], prefix)
            return sha if sha and sha.startswith(prefix) else None
        return None

    return lookup


def place_release(
    con: duckdb.DuckDBPyConnection,
    repo: str,
    release: str | None,
    commit_of: Callable[[str], str | None] | None = None,
) -> tuple[str | None, str | None]:
    """(sha, how) that `release` names in `repo`, or (None, None); how is 'table' | 'tag' | 'describe' | 'hash'.

    Order of precedence in the module docstring. `commit_of(prefix)` turns a hash the string carries into
    a full commit sha of the repository (None when it names none, or ambiguously); by default
    `core.commits`, then git.
    """
    if not release or not release.strip():
        return None, None
    release = release.strip()
    rows = _q(con, "select_release_candidates", repo=repo)
    for rel, _v, tag, sha, _s in rows:
        if rel == release:
            return sha, "table" if tag is None else "tag"
    for rel, _v, tag, sha, _s in rows:
        if tag == release:
            return sha, "tag"
    hint = release_hint(release)
    if hint.commit:
        sha = (commit_of or _stored_commit(con, repo))(hint.commit)
        if sha:
            return sha, hint.hash_how
    if hint.form in ("plain", "local"):  # a '+label' with a hash (describe, versioneer) is not the tag
        q_service, q_version = split_release(release)
        for rel, version, _tag, sha, service in rows:
            r_service = service or split_release(rel)[0]
            if normalise_version(version or split_release(rel)[1]) != q_version:
                continue
            if q_service and r_service and q_service != r_service:
                continue
            return sha, "tag"
    return None, None


def resolve_release(con: duckdb.DuckDBPyConnection, repo: str, release: str) -> str | None:
    """Commit sha that `release` names in `repo`, or None (`place_release` without the how)."""
    return place_release(con, repo, release)[0]


def releases_of_commit(con: duckdb.DuckDBPyConnection, repo: str, sha: str) -> list[str]:
    """Releases of `repo` whose revision contains commit `sha`, earliest first ([] when none).

    Asks git (one `rev-list --ancestry-path` call) when the repository is on disk; otherwise falls
    back to `core.release_commits`, which only knows the release that first shipped the commit.
    """
    rels = _q(con, "select_releases_by_time", repo=repo)
    if not rels:
        return []
    rows = _q(con, "select_repository_path", repo=repo)
    path = Path(rows[0][0]) if rows else None
    if path is None or not path.exists():
        return [r[0] for r in _q(con, "select_first_releases_of_commit", repo=repo, prefix=sha)]
    full = git.resolve_commit(path, sha)
    if full is None:
        return []
    tips = sorted({r[1] for r in rels})
    reach = set(git.rev_list(path, tips, [full], extra=["--ancestry-path"])) | {full}
    return [rel for rel, rsha, _ in rels if rsha in reach]


def _ordered_by_service(rows) -> dict[str, list[tuple[str, str]]]:
    """{service: [(release, sha), ...] by release time (unknown times last), then name}."""
    groups: dict[str, list] = {}
    for release, sha, service, released_at in rows:
        groups.setdefault(service or "", []).append((released_at is None, released_at or 0, release, sha))
    return {svc: [(rel, sha) for *_, rel, sha in sorted(v, key=lambda r: r[:3])] for svc, v in groups.items()}


def release_commits_delta(
    repo_path: Path, repo: str, old: list[tuple], new: list[tuple]
) -> tuple[list[str], pl.DataFrame]:
    """What changes in `core.release_commits` when the releases go from `old` to `new`.

    Rows are (release, sha, service, released_at). A release's commits are those reachable from it and
    not from any earlier release of its service, so only releases from the first difference in each
    service's time order on need recomputing (one `git rev-list` each; usually just the new tag).
    Returns (releases whose rows are dropped, rows to insert).
    """
    old_g, new_g = _ordered_by_service(old), _ordered_by_service(new)
    drop: set[str] = set()
    frames = [pl.DataFrame(schema={"release": pl.String, "sha": pl.String})]
    for svc in sorted(set(old_g) | set(new_g)):
        o, n = old_g.get(svc, []), new_g.get(svc, [])
        k = 0
        while k < min(len(o), len(n)) and o[k] == n[k]:
            k += 1
        drop |= {rel for rel, _ in o[k:]} | {rel for rel, _ in n[k:]}
        earlier = [sha for _, sha in n[:k]]
        for rel, sha in n[k:]:
            shas = git.rev_list(repo_path, [sha], earlier) if sha not in earlier else []
            frames.append(
                pl.DataFrame({"release": rel, "sha": shas}, schema={"release": pl.String, "sha": pl.String})
            )
            earlier.append(sha)
    frame = pl.concat(frames).unique()
    return sorted(drop), frame.select(pl.lit(repo).alias("repo"), "release", "sha")
