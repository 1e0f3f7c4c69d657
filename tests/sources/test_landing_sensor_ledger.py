"""The landing sensor consults the ingest ledger (core.ingest_files): files already loaded, by path or by content
hash, start no run, even on the sensor's first evaluation; new or changed content does."""

import os
import shutil
import time

import dagster as dg
from dagster_duckdb import DuckDBResource

from benchmarks.sources import write_ndjson_events
from models.config import load_config
from models.sources.ingest import ingest_source
from models.warehouse import connect
from pipelines import sources as stage
from pipelines.resources import HindsightConfigResource


def _world(tmp_path):
    landing = tmp_path / "landing"
    (landing / "sentry").mkdir(parents=True)
    write_ndjson_events(landing / "sentry" / "export.ndjson", 30, seed=7)
    write_ndjson_events(landing / "sentry" / "second.ndjson", 20, seed=8)
    warehouse = tmp_path / "wh.duckdb"
    config = tmp_path / "hindsight.toml"
    config.write_text(f'[warehouse]\npath = "{warehouse}"\n\n[landing]\ndir = "{landing}"\n')
    resources = {"hindsight": HindsightConfigResource(config_path=str(config)),
                 "duckdb": DuckDBResource(database=str(warehouse))}
    return landing, warehouse, config, resources


def _ingest(warehouse, config):
    con = connect(warehouse)
    try:
        return ingest_source(con, load_config(config), "sentry")
    finally:
        con.close()


def _evaluate(cursor, resources):
    ctx = dg.build_sensor_context(cursor=cursor, resources=resources)
    return stage.landing_sensor(ctx), ctx.cursor


def test_files_in_the_ledger_start_no_run(tmp_path):
    landing, warehouse, config, resources = _world(tmp_path)
    assert len(_ingest(warehouse, config)) == 2  # loaded before the sensor ever ran (e.g. `hindsight ingest`)

    first, cursor = _evaluate(None, resources)
    assert isinstance(first, dg.SkipReason) and "2 changed file(s) already in the ingest ledger" in first.skip_message

    shutil.copy(landing / "sentry" / "export.ndjson", landing / "sentry" / "renamed-copy.ndjson")
    copy, cursor = _evaluate(cursor, resources)  # same content under a new name: known by its hash
    assert isinstance(copy, dg.SkipReason)

    write_ndjson_events(landing / "sentry" / "third.ndjson", 10, seed=9)
    new, cursor = _evaluate(cursor, resources)
    assert [r.tags["hindsight/new_files"] for r in new] == ["1"]
    assert new[0].asset_selection == [dg.AssetKey("sentry_events")]

    time.sleep(0.01)
    with open(landing / "sentry" / "export.ndjson", "a", encoding="utf-8") as fh:  # an ingested file grows
        fh.write((landing / "sentry" / "third.ndjson").read_text(encoding="utf-8").splitlines()[0] + "\n")
    grown, cursor = _evaluate(cursor, resources)
    assert isinstance(grown, list) and grown[0].tags["hindsight/new_files"] == "1"  # third's run: already requested


def test_a_rewritten_file_of_the_same_size_is_checked_by_its_hash(tmp_path):
    landing, warehouse, config, resources = _world(tmp_path)
    _ingest(warehouse, config)
    path = landing / "sentry" / "second.ndjson"
    data = bytearray(path.read_bytes())
    data[data.index(b"error")] = ord("E")  # same size, other content, written after the load
    path.write_bytes(bytes(data))
    later = time.time() + 5
    os.utime(path, (later, later))
    result, _ = _evaluate(None, resources)
    assert isinstance(result, list) and result[0].tags["hindsight/new_files"] == "1"


def test_without_a_warehouse_every_file_is_new(tmp_path):
    _, _, _, resources = _world(tmp_path)
    result, _ = _evaluate(None, resources)
    assert isinstance(result, list) and result[0].tags["hindsight/new_files"] == "2"
