"""Log templates: Loghub accuracy, persistence with stable ids in a real warehouse, the `templates` CLI."""

from __future__ import annotations

import csv

import polars as pl
import pytest
from typer.testing import CliRunner

from hindsight.cli import app
from models.config import Config
from models.signatures import mine_templates
from models.signatures.logformat import split_lines
from models.signatures.loghub import FORMATS, read_truth, score, system_files
from models.signatures.templates import mine_file, mine_messages


@pytest.mark.parametrize("system", ["HDFS", "Linux", "OpenSSH", "Android"])
def test_grouping_accuracy_on_loghub(shared_datasets, system):
    log, truth = system_files(shared_datasets / "loghub-2k", system)
    figures = score(mine_file(log, FORMATS[system]), read_truth(truth))
    assert figures["GA"] >= 0.9, figures


def test_line_format_parsing():
    df = split_lines(
        pl.Series(["2015-10-18 18:01:47,978 INFO [main] org.X: Created MRAppMaster 1", "garbage"]),
        FORMATS["Hadoop"],
    )
    assert df["Content"].to_list() == ["Created MRAppMaster 1", "garbage"]  # unmatched lines keep their text
    assert df["Process"].to_list() == ["main", None]  # a bare [ ] in a Loghub format is literal
    with pytest.raises(ValueError, match="<Content>"):
        split_lines(pl.Series(["x"]), "<Date> <Time>")


def test_masking_and_grouping_on_messages():
    msgs = pl.Series(
        [
            "Received block blk_123 of size 67108864 from /10.250.10.6",
            "Received block blk_-987 of size 3 from /10.251.43.21",
            "session closed for user root",
            "session closed for user bob",
            "session closed for user cyrus",
            "session closed for user news",
            "Starting thread to transfer block",
        ]
    )
    out, _state = mine_messages(msgs)
    ids = out["template_id"].to_list()
    assert ids[0] == ids[1] and ids[2] == ids[3] == ids[4] == ids[5] and len(set(ids)) == 3
    assert out["template"][0] == "Received block <*> of size <*> from <*>"
    assert out["template"][2] == "session closed for user <*>"


def _add_records(con, rows: list[tuple[str, str]], day: int) -> None:
    for i, (rid, msg) in enumerate(rows):
        con.execute(
            "INSERT INTO core.log_records (record_id, format, ts, message, file_id, line_no, line_count, ingested_at) "
            "VALUES (?, 'text', TIMESTAMP '2026-11-01' + to_days(?), ?, ?, ?, 1, now()::TIMESTAMP)",
            [rid, day, msg, f"file{day}", i + 1],
        )


def _assignments(con) -> dict[str, str]:
    return dict(con.execute("SELECT record_id, template_id FROM core.log_record_templates").fetchall())


def test_miner_persists_and_keeps_ids_stable(warehouse_path):
    from models.warehouse import connect

    con = connect(warehouse_path)
    _add_records(
        con,
        [
            ("a", "Failed password for root from 1.2.3.4 port 22 ssh2"),
            ("b", "Failed password for root from 5.6.7.8 port 2200 ssh2"),
            ("c", "Connection closed by 1.2.3.4 [preauth]"),
        ],
        day=0,
    )
    assert mine_templates(con, Config()) == 3
    first = _assignments(con)
    templates_before = dict(con.execute("SELECT template_id, template FROM core.log_templates").fetchall())
    con.close()

    con = connect(warehouse_path)  # a new process would see the same: the state is in the warehouse
    assert mine_templates(con, Config()) == 0
    _add_records(
        con,
        [
            ("d", "Failed password for root from 9.9.9.9 port 1 ssh2"),
            ("e", "Connection closed by 8.8.8.8 [preauth]"),
            ("f", "Disk quota exceeded on /dev/sda1"),
        ],
        day=1,
    )
    assert mine_templates(con, Config()) == 3
    second = _assignments(con)
    assert {k: second[k] for k in first} == first  # old records keep their ids
    assert second["d"] == first["a"] and second["e"] == first["c"]  # new lines join existing templates
    assert second["f"] not in set(first.values())  # a new template gets a new id
    rows = dict(con.execute("SELECT template_id, line_count FROM core.log_templates").fetchall())
    assert rows[first["a"]] == 3 and rows[second["f"]] == 1
    assert set(templates_before) <= set(rows)
    last_seen = con.execute(
        "SELECT last_seen FROM log_templates WHERE template_id = ?", [first["a"]]
    ).fetchone()[0]
    assert str(last_seen).startswith("2026-11-02")
    con.close()


def test_templates_cli_writes_loghub_shape(tmp_path):
    log = tmp_path / "x.log"
    log.write_text(
        "2026-11-01 10:00:00 INFO db: connected to 10.0.0.1\r\n"
        "2026-11-01 10:00:01 WARN db: slow query took 120 ms\n"
        "2026-11-01 10:00:02 INFO db: connected to 10.0.0.2\n"
    )
    out = tmp_path / "pred.csv"
    result = CliRunner().invoke(
        app,
        [
            "templates",
            str(log),
            "--format",
            "<Date> <Time> <Level> <Component>: <Content>",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["LineId", "EventId", "EventTemplate"]
    assert [r["LineId"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["EventId"] == rows[2]["EventId"] != rows[1]["EventId"]
    assert rows[0]["EventTemplate"] == "connected to <*>"

    bad = CliRunner().invoke(app, ["templates", str(log), "--format", "<Date> <Time>", "--out", str(out)])
    assert bad.exit_code != 0 and "<Content>" in bad.output


def test_read_lines_keeps_every_line_in_place(tmp_path):
    """One row per line whatever the line endings, blank lines and bytes: LineIds must line up."""
    path = tmp_path / "mixed.log"
    path.write_bytes(b"a 1\r\n\r\nb \xff 2\nc 3")  # CRLF, a blank line, invalid UTF-8, no final newline
    df = mine_file(path, None)
    assert df["LineId"].to_list() == [1, 2, 3, 4]
    assert df["EventTemplate"].to_list() == ["a <*>", "", "b \ufffd <*>", "c <*>"]
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    assert mine_file(empty, None).height == 0


def test_typing_each_distinct_message_once_changes_nothing(monkeypatch):
    from models.signatures import templates

    msgs = pl.Series(["Received block blk_1 of size 2", "Received block blk_1 of size 2", "disk full", None] * 5)
    monkeypatch.setattr(templates, "DEDUPE_BELOW", 1.0)  # always dedupe
    deduped, _ = mine_messages(msgs)
    monkeypatch.setattr(templates, "DEDUPE_BELOW", 0.0)  # never
    direct, _ = mine_messages(msgs)
    assert deduped.equals(direct) and deduped.height == msgs.len()
