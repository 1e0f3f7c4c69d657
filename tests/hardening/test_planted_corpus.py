"""The planted-secret corpus end to end: ≥ 30 kinds placed in every field of every source of a real demo
world, the whole pipeline run through the real CLI, and then NO planted value anywhere: not in any text
column of any table (searched by SQL: DuckDB compresses strings, so bytes alone prove nothing), not in
the bytes of the warehouse, its WAL or the dashboard snapshot, not in any exported file (bytes, and the
strings of parsed JSON/YAML/TOML: YAML folds long strings), not in Dagster's storage, not in anything a
command printed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import duckdb
import pytest
import yaml

from benchmarks.secret_corpus import planted
from demo.generate import generate

from .planting import write_commits, write_incidents, write_logs, write_sentry

pytestmark = pytest.mark.slow
HINDSIGHT = Path(sys.executable).with_name("hindsight")
CORPUS = planted()


def needles() -> dict[str, str]:
    out = {}
    for p in CORPUS:
        for v in (p.value, *p.also):
            out[v] = p.kind
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("planted")
    out = base / "world"
    generate(out, seed=7, scale=1)
    landing = out / "landing"
    expected = {
        **write_sentry(landing / "sentry", CORPUS),
        **write_logs(landing / "logs", CORPUS),
        **write_incidents(landing / "incidents", CORPUS),
    }
    commits = write_commits(out / "repo", CORPUS)
    dagster_home = base / "dagster_home"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HINDSIGHT_", "SENTRY_"))}
    env.update(DAGSTER_HOME=str(dagster_home), HINDSIGHT_CONFIG=str(out / "hindsight.toml"))
    printed: list[str] = []

    def hs(*args, ok=True):
        result = subprocess.run([str(HINDSIGHT), *map(str, args)], cwd=base, capture_output=True, text=True,
                                env=env, timeout=900, check=False)
        printed.extend([result.stdout, result.stderr])
        if ok:
            assert result.returncode == 0, result.stderr[-3000:]
        return result

    hs("run")
    hs("export", "rules")
    hs("export", "guidance")
    hs("templates", landing / "logs" / "planted-text.log", "--out", base / "templates.csv",
       "--format", "<Date> <Time> <Level> <Component>: <Content>")
    hs("sql", "SELECT * FROM events WHERE event_id LIKE '5ec0a1%'", "--format", "json")
    hs("sql", "SELECT * FROM log_records WHERE service = 'planted-worker'", "--format", "csv")
    hs("classify-commit", "HEAD")
    broken = base / "broken.ndjson"  # quarantined: its excerpt and the error output are scrubbed too
    broken.write_text("".join('{"message": "' + p.text.replace('"', "'").replace("\\", "/") + '", \n'
                              for p in CORPUS[:10]))
    hs("ingest", broken, ok=False)
    hs("sql", "SELECT * FROM quarantine", "--format", "json")
    broken_lines = sum(1 for line in broken.read_text().splitlines() if line.strip())
    return {"dir": out, "base": base, "expected": expected, "commits": commits, "printed": printed,
            "dagster_home": dagster_home, "broken_lines": broken_lines}


def test_every_planted_record_arrived(world):
    """The corpus was stored (scrubbed), not dropped: otherwise finding nothing would prove nothing."""
    con = duckdb.connect(str(world["dir"] / "warehouse.duckdb"), read_only=True)
    try:
        for name, n in world["expected"].items():
            read, loaded = con.execute("SELECT records_read, records_loaded FROM core.ingest_files WHERE path LIKE ?",
                                       [f"%/{name}"]).fetchone()
            assert read == n and loaded >= n - 2, (name, read, loaded)  # incident ids may collide once scrubbed
        assert con.execute("SELECT count(*) FROM core.events WHERE event_id LIKE '5ec0a1%'").fetchone()[0] == len(CORPUS)
        keys = con.execute("SELECT extra ->> '$.vars.key' FROM core.events WHERE event_id LIKE '5ec0a1%'").fetchall()
        assert all(k[0].startswith(("<secret:", "<pii:")) for k in keys), keys  # propagated to an innocent name
        assert con.execute("SELECT count(*) FROM core.commits WHERE subject LIKE 'fix: %'").fetchone()[0] >= len(CORPUS)
        assert con.execute("SELECT count(*) FROM core.ai_line_ranges WHERE path LIKE 'planted/leak-%'").fetchone()[0] == 1
        quarantined = con.execute("SELECT count(*) FROM core.quarantine WHERE path LIKE '%broken.ndjson'").fetchone()[0]
        assert quarantined == world["broken_lines"] > 10  # keys split over lines: every piece quarantined
    finally:
        con.close()


def _text_columns(con) -> list[tuple[str, str, str]]:
    rows = con.execute(
        "SELECT c.table_schema, c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_catalog, table_schema, table_name) "
        "WHERE t.table_type = 'BASE TABLE'").fetchall()
    kinds = ("VARCHAR", "JSON", "STRUCT", "MAP", "[]", "UNION", "BLOB")
    return [(s, t, c) for s, t, c, dtype in rows if any(k in dtype.upper() for k in kinds)]


def sql_leaks(path: Path) -> list[str]:
    """Every text-bearing column of every table (nested ones cast to text), searched by DuckDB itself."""
    con = duckdb.connect(str(path), read_only=True)
    found, columns = [], _text_columns(con)
    try:
        assert len(columns) > 50
        for schema, table, column in columns:
            ident = ".".join('"' + x.replace('"', '""') + '"' for x in (schema, table))
            col = '"' + column.replace('"', '""') + '"'
            hits = con.execute(
                f"SELECT n FROM unnest($1::VARCHAR[]) AS u(n) WHERE EXISTS "
                f"(SELECT 1 FROM {ident} WHERE contains(CAST({col} AS VARCHAR), n))", [list(needles())]).fetchall()
            found += [f"{schema}.{table}.{column}: {needles()[h[0]]}" for h in hits]
    finally:
        con.close()
    return found


def byte_leaks(paths) -> list[str]:
    found = []
    for path in paths:
        data = path.read_bytes()
        found += [f"{path}: {kind}" for value, kind in needles().items() if value.encode() in data]
    return found


def _strings(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif value is not None:
        yield str(value)


def _parsed_text(path: Path) -> str:
    """The strings of a structured export as a parser sees them (YAML folds, JSON escapes undone)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        if path.suffix in (".json", ".sarif"):
            return "\n".join(_strings(json.loads(text)))
        if path.suffix in (".yaml", ".yml"):
            return "\n".join(_strings(list(yaml.safe_load_all(text))))
        if path.suffix == ".toml":
            return "\n".join(_strings(tomllib.loads(text)))
    except (ValueError, yaml.YAMLError, tomllib.TOMLDecodeError):
        pass
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def test_no_planted_value_in_any_table_by_sql(world):
    assert sql_leaks(world["dir"] / "warehouse.duckdb") == []


def test_no_planted_value_in_the_dashboard_snapshot_by_sql(world):
    snapshot = world["dir"] / "warehouse.snapshot.duckdb"
    assert snapshot.exists()
    assert sql_leaks(snapshot) == []


def test_no_planted_value_in_the_bytes_of_the_warehouse_and_snapshot(world):
    # the warehouse, its WAL and snapshot, and the commit-graph cache beside it (warehouse.git-cache/)
    found = [p for p in world["dir"].iterdir() if p.name.startswith("warehouse")]
    files = [f for p in found for f in ([p] if p.is_file() else sorted(p.rglob("*"))) if f.is_file()]
    assert any(p.name == "warehouse.duckdb" for p in files)
    assert byte_leaks(files) == []


def test_no_planted_value_in_any_exported_file(world):
    files = [p for p in (world["dir"] / "exports").rglob("*") if p.is_file()]
    assert any(p.name == "AGENTS.md" for p in files) and any(p.suffix == ".sarif" for p in files)
    assert byte_leaks(files) == []
    parsed = [f"{p}: {kind}" for p in files for value, kind in needles().items() if value in _parsed_text(p)]
    assert parsed == []


def test_no_planted_value_in_cli_output_or_dagster_storage(world):
    printed = "\n".join(world["printed"])
    assert "planted" in printed  # the commands did print production-derived text
    assert [kind for value, kind in needles().items() if value in printed] == []
    templates = (world["base"] / "templates.csv").read_text()
    assert "request failed" in templates and [k for v, k in needles().items() if v in templates] == []
    storage = [p for p in world["dagster_home"].rglob("*") if p.is_file()]
    assert storage and byte_leaks(storage) == []


def test_the_corpus_is_big_enough():
    assert len({p.kind for p in CORPUS}) >= 30
    assert sum(not p.personal for p in CORPUS) >= 30 and sum(p.personal for p in CORPUS) >= 10
