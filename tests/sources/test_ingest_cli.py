"""`hindsight ingest` through typer's CliRunner against a real warehouse file."""

import json

from typer.testing import CliRunner

from benchmarks.sources import write_ndjson_events, write_sdk_envelopes
from hindsight.cli import app
from models.warehouse import connect


def test_ingest_prints_counts_and_totals(tmp_path):
    land = tmp_path / "landing" / "sentry"
    land.mkdir(parents=True)
    write_ndjson_events(land / "events.ndjson", 15, seed=51)
    write_sdk_envelopes(land / "app.envelope", 1, secrets=False)
    (land / "broken.ndjson").write_text('{"message": "ok"}\nnot json\n')
    wh = tmp_path / "wh.duckdb"
    runner = CliRunner()
    result = runner.invoke(app, ["--warehouse", str(wh), "ingest", str(tmp_path / "landing")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "events.ndjson" in out and "app.envelope" in out and "total (3 files)" in out
    assert "transaction: 1" in out and "quarantined records" in out

    again = runner.invoke(app, ["--warehouse", str(wh), "ingest", "--json", str(land)])
    assert again.exit_code == 0, again.output
    data = json.loads(again.output)
    assert data["totals"]["already_ingested"] == 3
    assert data["totals"]["read"] == data["totals"]["loaded"] + data["totals"]["duplicate"] + \
        data["totals"]["ignored"] + data["totals"]["quarantined"]
    assert data["totals"]["loaded"] == 15 + 2 + 1 and data["totals"]["quarantined"] == 1
    con = connect(wh, read_only=True)
    assert con.execute("SELECT count(*) FROM core.events").fetchone()[0] == 18
    con.close()


def test_ingest_errors_are_clear(tmp_path):
    runner = CliRunner()
    wh = tmp_path / "wh.duckdb"
    missing = runner.invoke(app, ["--warehouse", str(wh), "ingest", str(tmp_path / "nope.json")])
    assert missing.exit_code == 3 and "no such file or folder" in missing.output
    bad_source = runner.invoke(app, ["--warehouse", str(wh), "ingest", "--source", "kafka", str(tmp_path)])
    assert bad_source.exit_code != 0 and "--source" in bad_source.output
    f = tmp_path / "x.json"
    f.write_text("{}")
    bad_fmt = runner.invoke(app, ["--warehouse", str(wh), "ingest", "--source", "sentry", "--format", "xml", str(f)])
    assert bad_fmt.exit_code == 2 and "'xml' is not a format for --source sentry" in bad_fmt.output


def test_a_file_that_cannot_be_ingested_is_reported_and_the_others_load(tmp_path):
    """One failing file does not stop the folder: it is named (brackets in the message printed as text,
    not eaten as rich markup), nothing of it is stored, the exit code says so, and a re-run with the
    missing setting loads just it."""
    folder = tmp_path / "in"
    folder.mkdir()
    write_ndjson_events(folder / "a_events.ndjson", 5, seed=52)
    (folder / "b_[prod].log").write_text("2026-11-01 10:00:00,000 ERROR shop.worker: boom\n")
    write_ndjson_events(folder / "c_events.ndjson", 4, seed=53)
    wh = tmp_path / "wh.duckdb"
    runner = CliRunner()
    result = runner.invoke(app, ["--warehouse", str(wh), "ingest", str(folder)])
    assert result.exit_code == 3, result.output
    assert "b_[prod].log" in result.output and "[[logs.formats]]" in result.output
    assert "1 file(s) not ingested" in result.output and "total (2 files)" in result.output
    con = connect(wh, read_only=True)
    assert con.execute("SELECT count(*) FROM core.events").fetchone()[0] == 9
    assert con.execute("SELECT count(*) FROM core.ingest_files").fetchone()[0] == 2
    con.close()

    fixed = runner.invoke(app, ["--warehouse", str(wh), "ingest", "--json", "--line-format",
                                "<Date> <Time> <Level> <Component>: <Content>", str(folder)])
    assert fixed.exit_code == 0, fixed.output
    data = json.loads(fixed.output)
    assert data["failed"] == [] and data["totals"]["already_ingested"] == 2
    (log,) = [f for f in data["files"] if f["path"].endswith(".log")]
    assert not log["already_ingested"] and log["loaded"] == 1
