"""Real Dagster: materialize the source assets with their checks, and evaluate the landing sensor."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from benchmarks.sources import write_ndjson_events, write_sdk_envelopes
from models.warehouse import connect
from pipelines import sources as stage
from pipelines.resources import HindsightConfigResource


def _setup(tmp_path):
    landing = tmp_path / "landing"
    (landing / "sentry").mkdir(parents=True)
    write_ndjson_events(landing / "sentry" / "export.ndjson", 40, seed=61)
    write_sdk_envelopes(landing / "sentry" / "app.envelope", 2, secrets=False)
    (landing / "sentry" / "broken.ndjson").write_text("{not json\n")
    wh = tmp_path / "wh.duckdb"
    config = tmp_path / "hindsight.toml"
    config.write_text(f'[warehouse]\npath = "{wh}"\n\n[landing]\ndir = "{landing}"\n')
    return landing, wh, HindsightConfigResource(config_path=str(config))


def _materialize(wh, hindsight):
    return dg.materialize(
        [*stage.assets, *stage.asset_checks],
        resources={"duckdb": DuckDBResource(database=str(wh)), "hindsight": hindsight},
    )


def test_materialize_source_assets_with_checks(tmp_path):
    landing, wh, hindsight = _setup(tmp_path)
    result = _materialize(wh, hindsight)
    assert result.success
    meta = {
        m.asset_key.to_user_string(): m.metadata for m in
        (e.materialization for e in result.get_asset_materialization_events())
    }
    assert set(meta) == {"sentry_events", "log_records", "incidents"}
    assert meta["sentry_events"]["records_loaded"].value == 43
    assert meta["sentry_events"]["records_quarantined"].value == 1
    assert meta["sentry_events"]["records_ignored"].value == 1
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["no_duplicate_event_ids"].passed
    assert checks["sentry_events_quarantine_rate"].passed  # 1 of 45 records
    assert checks["sentry_events_freshness"].passed  # the SDK events are from now
    assert not checks["incidents_freshness"].passed and checks["incidents_freshness"].severity == dg.AssetCheckSeverity.WARN

    # a second run finds nothing new; a mostly broken new file trips the quarantine check
    (landing / "sentry" / "junk.ndjson").write_text("x\n" * 60)
    again = _materialize(wh, hindsight)
    checks = {e.check_name: e for e in again.get_asset_check_evaluations()}
    assert not checks["sentry_events_quarantine_rate"].passed
    con = connect(wh, read_only=True)
    assert con.execute("SELECT count(*), count(DISTINCT event_id) FROM core.events").fetchone() == (43, 43)
    assert con.execute("SELECT count(*) FROM core.ingest_files").fetchone()[0] == 4
    con.close()


def test_landing_sensor_requests_runs_for_new_files(tmp_path):
    landing, wh, hindsight = _setup(tmp_path)
    resources = {"hindsight": hindsight, "duckdb": DuckDBResource(database=str(wh))}  # not built: empty ledger
    ctx = dg.build_sensor_context(resources=resources)
    first = stage.landing_sensor(ctx)
    assert isinstance(first, list) and len(first) == 1
    assert first[0].asset_selection == [dg.AssetKey("sentry_events")]
    assert first[0].tags["hindsight/new_files"] == "3"

    ctx2 = dg.build_sensor_context(cursor=ctx.cursor, resources=resources)
    assert isinstance(stage.landing_sensor(ctx2), dg.SkipReason)

    (landing / "logs").mkdir()
    (landing / "logs" / "app.jsonl").write_text('{"level": "info", "message": "hi"}\n')
    ctx3 = dg.build_sensor_context(cursor=ctx2.cursor, resources=resources)
    third = stage.landing_sensor(ctx3)
    assert [r.asset_selection for r in third] == [[dg.AssetKey("log_records")]]


def test_stage_definitions_load(tmp_path):
    defs = dg.Definitions(
        assets=stage.assets, asset_checks=stage.asset_checks, sensors=stage.sensors, jobs=stage.jobs,
        resources={"duckdb": DuckDBResource(database=str(tmp_path / "w.duckdb")), "hindsight": HindsightConfigResource()},
    )
    repo = defs.get_repository_def()
    keys = {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}
    assert {"sentry_events", "log_records", "incidents"} <= keys
    assert repo.has_sensor_def("landing_sensor")


def test_a_file_that_cannot_be_ingested_fails_its_check_and_the_others_still_load(tmp_path):
    """A text log in the landing folder with no configured line format: the asset still loads the other
    files, reports the failure as a failed check, and the file is retried once its format is set."""
    landing, wh, hindsight = _setup(tmp_path)
    (landing / "logs").mkdir()
    (landing / "logs" / "app.jsonl").write_text('{"level": "info", "message": "hi", "timestamp": "2026-11-01T00:00:00Z"}\n')
    (landing / "logs" / "worker.log").write_text("2026-11-01 10:00:00,000 ERROR shop.worker: boom\n")
    result = _materialize(wh, hindsight)
    assert result.success
    meta = {e.materialization.asset_key.to_user_string(): e.materialization.metadata
            for e in result.get_asset_materialization_events()}
    assert meta["log_records"]["records_loaded"].value == 1 and meta["log_records"]["files_failed"].value == 1
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["sentry_events_files_readable"].passed
    readable = checks["log_records_files_readable"]
    assert not readable.passed and "line format" in readable.metadata["errors"].value[0]

    config = tmp_path / "hindsight.toml"
    config.write_text(config.read_text() + '\n[[logs.formats]]\nglob = "*.log"\n'
                      'format = "<Date> <Time> <Level> <Component>: <Content>"\n')
    again = _materialize(wh, hindsight)
    checks = {e.check_name: e for e in again.get_asset_check_evaluations()}
    assert checks["log_records_files_readable"].passed
    con = connect(wh, read_only=True)
    assert con.execute("SELECT count(*) FROM core.log_records").fetchone()[0] == 2
    con.close()
