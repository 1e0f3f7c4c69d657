"""The template store in a real warehouse: merges found by later runs, a new grouping version, lineage."""

from __future__ import annotations

import polars as pl

import models.signatures.template_store as store
from models.config import Config
from models.signatures import mine_templates
from models.signatures.logformat import split_lines
from models.signatures.loghub import FORMATS, read_truth, score, system_files
from models.signatures.templates import MinerSettings, MinerState, mine_file, mine_messages, read_lines
from models.warehouse import run_sql_file


def _add_records(con, rows: list[tuple[str, str]], day: int) -> None:
    for i, (rid, msg) in enumerate(rows):
        con.execute(
            "INSERT INTO core.log_records (record_id, format, ts, message, file_id, line_no, line_count, ingested_at) "
            "VALUES (?, 'text', TIMESTAMP '2026-11-01' + to_days(?), ?, ?, ?, 1, now()::TIMESTAMP)",
            [rid, day, msg, f"file{day}", i + 1],
        )


def _assignments(con) -> dict[str, str]:
    return dict(con.execute("SELECT record_id, template_id FROM core.log_record_templates").fetchall())


def _lineage(con) -> set[tuple]:
    return set(con.execute("SELECT old_signature, new_signature, reason, moved FROM core.signature_lineage").fetchall())


def test_later_runs_merge_templates_and_record_it(warehouse):
    # two users: too few to call the position a parameter, so each is a constant of its own template
    _add_records(warehouse, [("a", "session closed for user alice"), ("b", "session closed for user bob"),
                             ("c", "disk full on sda")], day=0)  # fmt: skip
    mine_templates(warehouse, Config())
    first = _assignments(warehouse)
    assert first["a"] != first["b"]
    # more users show it is a parameter: the earlier templates become one, the oldest records move too
    _add_records(warehouse, [("d", "session closed for user carol"), ("e", "session closed for user dave")], day=1)
    assert mine_templates(warehouse, Config()) == 2
    after = _assignments(warehouse)
    assert after["a"] == after["b"] == after["d"] == after["e"] and after["c"] == first["c"]
    survivor = after["a"]
    retired = ({first["a"], first["b"]} - {survivor}).pop()
    assert (retired, survivor, "templates_merged", 1) in _lineage(warehouse)
    rows = dict(warehouse.execute("SELECT template_id, line_count FROM log_templates").fetchall())
    assert rows[survivor] == 4 and retired not in rows  # figures folded in, retired row gone
    assert run_sql_file(warehouse, "queries/signatures/check_records_without_template").fetchone() == (0, 0)
    text = warehouse.execute("SELECT template FROM log_templates WHERE template_id = ?", [survivor]).fetchone()[0]
    assert text == "session closed for user <*>"
    # the retired id is never handed out again, even for the very text it had
    _add_records(warehouse, [("f", "session closed for user alice extra words")], day=2)
    mine_templates(warehouse, Config())
    assert retired not in set(_assignments(warehouse).values())


def test_new_grouping_version_regroups_and_keeps_ids(warehouse, monkeypatch):
    _add_records(warehouse, [("a", "session closed for user alice"), ("b", "session closed for user bob"),
                             ("c", "disk full on sda"), ("d", "disk full on sdb")], day=0)  # fmt: skip
    mine_templates(warehouse, Config())
    before = _assignments(warehouse)
    old_version = warehouse.execute("SELECT DISTINCT grouping_version FROM core.log_record_templates").fetchall()
    assert len(old_version) == 1 and old_version[0][0].startswith("tpl-")
    assert mine_templates(warehouse, Config()) == 0  # same version: nothing to do

    # a different miner setting is a new grouping version: every record is mined again
    monkeypatch.setattr(store, "DEFAULT_SETTINGS", MinerSettings(word_variants=1))
    assert mine_templates(warehouse, Config()) == 4
    after = _assignments(warehouse)
    assert after["a"] == after["b"] and after["c"] == after["d"]  # two values are now a parameter
    assert after["a"] in {before["a"], before["b"]} and after["c"] in {before["c"], before["d"]}  # ids kept
    lineage = _lineage(warehouse)
    moved = {(old, new) for old, new, reason, _ in lineage if reason == "grouping_changed"}
    assert moved == {(before[x], after[x]) for x in "abcd" if before[x] != after[x]}
    versions = dict(warehouse.execute("SELECT grouping_version, kind FROM grouping_configs").fetchall())
    new_version = warehouse.execute("SELECT DISTINCT grouping_version FROM core.log_record_templates").fetchall()
    assert len(new_version) == 1 and new_version[0][0] != old_version[0][0] and len(versions) == 2
    templates = dict(warehouse.execute("SELECT template_id, line_count FROM log_templates").fetchall())
    assert templates == {after["a"]: 2, after["c"]: 2}  # figures recomputed, emptied ids dropped
    assert run_sql_file(warehouse, "queries/signatures/check_records_without_template").fetchone() == (0, 0)
    assert warehouse.execute(
        "SELECT count(*) FROM core.log_template_patterns WHERE grouping_version <> ?", [new_version[0][0]]
    ).fetchone()[0] == 0


def test_mining_in_many_runs_groups_like_one_run(shared_datasets):
    """20 runs of 100 lines each end with the grouping of one run over all 2,000 (merges included)."""
    for system in ("Linux", "OpenSSH", "Zookeeper"):
        log, truth = system_files(shared_datasets / "loghub-2k", system)
        content = split_lines(read_lines(log), FORMATS[system])["Content"]
        state, parts = MinerState(), []
        for start in range(0, content.len(), 100):
            out, state = mine_messages(content.slice(start, 100), state)
            parts.append(out)
        ids = pl.concat(parts)["template_id"].replace(state.merged) if state.merged else pl.concat(parts)["template_id"]
        pred = pl.DataFrame({"LineId": range(1, content.len() + 1), "EventId": ids, "EventTemplate": ids})
        once = mine_file(log, FORMATS[system])
        assert score(pred, read_truth(truth))["GA"] == score(once, read_truth(truth))["GA"], system
