"""Project keys of the live-ingest server (`hindsight keys ...`), kept in a small SQLite file.

Why SQLite beside the spool and not the warehouse: the server must never take the warehouse's write
lock (the pipeline is the single writer), and a read-only warehouse open fails while the pipeline
writes. SQLite gives transactional updates from the CLI while the server reads, with no lock held
between reads. The file lives in `<landing>/.serve/keys.sqlite` (hidden: ingestion skips it).

A key is 32 random hex characters, shown once (in the DSN) by `keys create`; only its sha256 is
stored, so a copied keys file does not reveal the keys. `key_id` is a separate random short id used in
listings and access logs. The server caches the table and reloads it when SQLite's data_version moves
(checked at most once a second), so a revoke or a disabled project takes effect within a second.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    project_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS keys (
    key_id TEXT PRIMARY KEY,
    key_sha256 TEXT NOT NULL UNIQUE,
    project_id INTEGER NOT NULL REFERENCES projects(project_id),
    rate_limit REAL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
"""


def keys_path(landing_dir: str | Path) -> Path:
    return Path(landing_dir) / ".serve" / "keys.sqlite"


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def connect_keys(path: str | Path) -> sqlite3.Connection:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10, isolation_level=None)
    con.executescript(SCHEMA)
    path.chmod(0o600)
    return con


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    project_id: int
    project: str
    revoked: bool
    disabled: bool
    rate_limit: float | None


@dataclass(frozen=True)
class CreatedKey:
    key: str
    key_id: str
    project_id: int
    project: str


def create_key(path: str | Path, project: str, rate_limit: float | None = None) -> CreatedKey:
    """A new key for `project` (the project is created on first use)."""
    if not project.strip():
        raise ValueError("the project name is empty")
    con = connect_keys(path)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT OR IGNORE INTO projects (name, created_at) VALUES (?, ?)", [project, _now()])
        (project_id,) = con.execute("SELECT project_id FROM projects WHERE name = ?", [project]).fetchone()
        key, key_id = secrets.token_hex(16), secrets.token_hex(4)
        con.execute(
            "INSERT INTO keys (key_id, key_sha256, project_id, rate_limit, created_at) VALUES (?, ?, ?, ?, ?)",
            [key_id, key_hash(key), project_id, rate_limit, _now()],
        )
        con.execute("COMMIT")
        return CreatedKey(key, key_id, project_id, project)
    finally:
        con.close()


def list_keys(path: str | Path) -> list[dict]:
    if not Path(path).exists():
        return []
    con = connect_keys(path)
    try:
        rows = con.execute(
            "SELECT k.key_id, p.name, p.project_id, p.disabled, k.rate_limit, k.created_at, k.revoked_at "
            "FROM keys k JOIN projects p USING (project_id) ORDER BY p.name, k.created_at"
        ).fetchall()
    finally:
        con.close()
    cols = ("key_id", "project", "project_id", "project_disabled", "rate_limit", "created_at", "revoked_at")
    return [dict(zip(cols, r, strict=True)) for r in rows]


def revoke_key(path: str | Path, key_id: str) -> bool:
    """Revoke by key id; False when there is no such (unrevoked) key."""
    if not Path(path).exists():
        return False
    con = connect_keys(path)
    try:
        cur = con.execute("UPDATE keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", [_now(), key_id])
        return cur.rowcount == 1
    finally:
        con.close()


def set_project_disabled(path: str | Path, project: str, disabled: bool) -> bool:
    if not Path(path).exists():
        return False
    con = connect_keys(path)
    try:
        cur = con.execute("UPDATE projects SET disabled = ? WHERE name = ?", [int(disabled), project])
        return cur.rowcount == 1
    finally:
        con.close()


class KeyCache:
    """The server's view of the keys file: sha256(key) -> KeyInfo, reloaded when the file changes."""

    def __init__(self, path: str | Path, check_every_s: float = 1.0):
        self.path = Path(path)
        self.check_every_s = check_every_s
        self._con = connect_keys(self.path)
        self._version = None
        self._checked = 0.0
        self._by_hash: dict[str, KeyInfo] = {}
        self._refresh(force=True)

    def _refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked < self.check_every_s:
            return
        self._checked = now
        (version,) = self._con.execute("PRAGMA data_version").fetchone()
        if not force and version == self._version:
            return
        self._version = version
        rows = self._con.execute(
            "SELECT k.key_sha256, k.key_id, p.project_id, p.name, k.revoked_at IS NOT NULL, p.disabled, k.rate_limit "
            "FROM keys k JOIN projects p USING (project_id)"
        ).fetchall()
        self._by_hash = {r[0]: KeyInfo(r[1], r[2], r[3], bool(r[4]), bool(r[5]), r[6]) for r in rows}

    def lookup(self, key: str) -> KeyInfo | None:
        self._refresh()
        return self._by_hash.get(key_hash(key))

    def close(self) -> None:
        self._con.close()
