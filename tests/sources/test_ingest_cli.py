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
    assert missing.exit_code == 2 and "no such file or folder" in missing.output
    bad_source = runner.invoke(app, ["--warehouse", str(wh), "ingest", "--source", "kafka", str(tmp_path)])
    assert bad_source.exit_code != 0 and "--source" in bad_source.output
    f = tmp_path / "x.json"
    f.write_text("{}")
    bad_fmt = runner.invoke(app, ["--warehouse", str(wh), "ingest", "--source", "sentry", "--format", "xml", str(f)])
    assert bad_fmt.exit_code == 2 and "unknown Sentry format" in bad_fmt.output
