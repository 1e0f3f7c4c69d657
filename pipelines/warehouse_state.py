"""What the warehouse already holds, for the sensors: they consult it before requesting a run.

Sensors run in the Dagster daemon while a run may be writing the warehouse, and DuckDB lets no other process
open a file its writer holds. So a sensor opens the warehouse read-only when it can, else the last published
snapshot (`<warehouse>.snapshot.duckdb`, at most one run behind: a file it does not know yet is requested, and
that run finds it in the ledger and loads nothing), else nothing (everything new is requested, as before).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from models.sources.ledger import file_sha256
from models.warehouse.snapshot import snapshot_path


@contextmanager
def read_only_state(warehouse: str | Path) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A read-only connection to the warehouse, else to its snapshot, else None; never waits for a lock."""
    con = None
    for candidate in (Path(warehouse), snapshot_path(warehouse)):
        if not candidate.is_file():
            continue
        try:
            con = duckdb.connect(str(candidate), read_only=True)
            break
        except duckdb.Error:  # held by the writer (another process), or open read-write in this one
            continue
    try:
        yield con
    finally:
        if con is not None:
            con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[tuple]:
    try:
        return con.execute(sql, params).fetchall()
    except duckdb.CatalogException:  # a warehouse made before this table existed: it holds nothing of it
        return []


def ingested_files(con: duckdb.DuckDBPyConnection | None, files: dict[str, str]) -> set[str]:
    """The paths among `files` ({path: "mtime_ns:size"}) whose content is already in the ingest ledger.

    A file is known by its path when the ledger has that path with the same size and the file was not modified
    after that load finished; otherwise by its content hash (the ledger's key), computed only for those files.
    """
    if con is None or not files:
        return set()
    known: set[str] = set()
    by_path = _rows(con, "SELECT path, size_bytes, finished_at FROM core.ingest_files WHERE list_contains(?, path)",
                    [list(files)])
    for path, size, finished_at in by_path:
        mtime_ns, file_size = (int(part) for part in files[path].split(":"))
        modified = datetime.fromtimestamp(mtime_ns / 1e9, tz=UTC).replace(tzinfo=None)
        if file_size == size and modified <= finished_at:
            known.add(path)
    hashes: dict[str, str] = {}
    for path in sorted(set(files) - known):
        try:
            hashes[file_sha256(path)] = path
        except OSError:  # vanished or unreadable: the run reports it
            continue
    if hashes:
        found = _rows(con, "SELECT file_id FROM core.ingest_files WHERE list_contains(?, file_id)", [list(hashes)])
        known.update(hashes[file_id] for (file_id,) in found)
    return known


def repository_states(con: duckdb.DuckDBPyConnection | None) -> dict[str, tuple]:
    """{repository: (last_head, last_tips, notes_head, [release, sha] pairs)} as the last commit ingest left them
    (core.repositories, core.releases)."""
    if con is None:
        return {}
    rows = _rows(con, "SELECT r.repo, r.last_head, r.last_tips, r.notes_head, "
                      "coalesce((SELECT list([x.release, x.sha] ORDER BY x.release, x.sha) FROM core.releases x "
                      "WHERE x.repo = r.repo), []) FROM core.repositories r", [])
    return {repo: (head, sorted(tips or []), notes, [list(p) for p in pairs])
            for repo, head, tips, notes, pairs in rows}
