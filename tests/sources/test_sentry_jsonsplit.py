"""JSON arrays and sequences of events are split into records without parsing, block by block."""

import gzip
import json
import random

import pytest

from benchmarks.sources import write_ndjson_events
from models.sources import ingest_path
from models.sources.jsonsplit import iter_json_records


def _split(path, array, **kw):
    records, rejects = [], []
    for batch in iter_json_records(path, array=array, **kw):
        records += list(zip(batch.lines.to_pylist(), batch.line_nos.tolist(), batch.byte_offsets.tolist()))
        rejects += [(r.line_no, r.byte_offset, r.reason, r.detail) for r in batch.rejects]
    return records, rejects


def _value(rng, depth=0):
    """Strings full of what a splitter could trip on: quotes, escapes, brackets, commas, non-ASCII."""
    r = rng.random()
    if depth > 4 or r < 0.3:
        return rng.choice([1, -2.5e3, 'a"]}', "\\", "\\\\", "x,y", None, True, "é\n[", '\\"{'])
    if r < 0.6:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {f'k{i}\\"]': _value(rng, depth + 1) for i in range(rng.randrange(4))}


@pytest.mark.parametrize("block_bytes", [5, 17, 64, 1 << 20])
def test_records_agree_with_a_json_parser_whatever_the_block_size(tmp_path, block_bytes):
    rng = random.Random(block_bytes)
    for trial in range(60):
        values = [_value(rng) for _ in range(rng.randrange(1, 25))]
        text = json.dumps(values, indent=rng.choice([None, 2]), ensure_ascii=rng.random() < 0.5)
        path = tmp_path / f"a{trial}.json"
        path.write_text(text, encoding="utf-8")
        records, rejects = _split(path, True, block_bytes=block_bytes)
        assert rejects == []
        assert [json.loads(r[0]) for r in records] == values
        for raw, line_no, offset in records:  # positions point at the record's first byte
            assert text.encode()[offset:].decode("utf-8", "replace").startswith(raw.strip()[:1])
            assert text.encode()[:offset].count(b"\n") + 1 == line_no
        objects = [v for v in values if isinstance(v, dict | list)]
        path.write_text("\n".join(json.dumps(v) for v in objects) + "\n")
        records, rejects = _split(path, False, block_bytes=block_bytes)
        assert rejects == [] and [json.loads(r[0]) for r in records] == objects


def test_structural_damage_is_quarantined_with_its_position(tmp_path):
    cases = {
        '[{"a": 1}] trailing': ([{"a": 1}], (1, 11, "malformed_json", "text after the closing ]")),
        '[{"a": 1},\n {"b": ': ([{"a": 1}], (2, 12, "malformed_json", "the array is not closed")),
        'x[{"a": 1}]': ([], (1, 0, "malformed_json", "the file does not start with a JSON array (rest of the file skipped)")),
        '[{"a": 1}, {"b": 2}}, {"c": 3}]': ([{"a": 1}], (1, 11, "malformed_json", "a closing bracket without its opening one (rest of the file skipped)")),
    }
    for text, (records, reject) in cases.items():
        path = tmp_path / "d.json"
        path.write_text(text)
        got, rejects = _split(path, True, block_bytes=64)
        assert [json.loads(r[0]) for r in got] == records, text
        assert rejects == [reject], text


def test_empty_elements_and_arrays_give_no_record(tmp_path):
    path = tmp_path / "e.json"
    for text, expected in (("[]", []), ("  [ ]\n", []), ("[1,,2,]", [1, 2]), ("\ufeff[3]", [3])):
        path.write_text(text, encoding="utf-8")
        records, rejects = _split(path, True)
        assert ([json.loads(r[0]) for r in records], rejects) == (expected, [])


def test_a_record_over_the_limit_is_rejected_and_its_bytes_are_never_held(tmp_path):
    big = {"message": "x" * 5000}
    path = tmp_path / "big.json"
    path.write_text(json.dumps([{"message": "a"}, big, {"message": "b"}]))
    records, rejects = _split(path, True, block_bytes=256, max_record_bytes=1000)
    assert [json.loads(r[0]) for r in records] == [{"message": "a"}, {"message": "b"}]
    assert [(r[1], r[2]) for r in rejects] == [(19, "line_too_long")]


def test_an_array_export_loads_like_ndjson_and_a_truncated_gzip_keeps_what_came_before(warehouse, tmp_path):
    events = [json.loads(line) for line in write_ndjson_events(tmp_path / "e", 300, seed=21).read_text().splitlines()]
    whole = json.dumps(events, indent=1).encode()
    path = tmp_path / "export.json.gz"
    path.write_bytes(gzip.compress(whole)[: len(gzip.compress(whole)) * 2 // 3])  # cut: stream ends early
    (r,) = ingest_path(warehouse, path, source="sentry", fmt="json_array")
    assert 0 < r.loaded < 300 and r.quarantined == 1 and r.read == r.loaded + 1
    reason, line_no = warehouse.execute("SELECT reason, line_no FROM quarantine").fetchone()
    assert reason == "truncated_gzip" and line_no > 1
    loaded = {row[0] for row in warehouse.execute("SELECT event_id FROM core.events").fetchall()}
    assert loaded == {e["event_id"] for e in events[: r.loaded]}  # a prefix, nothing skipped or invented


def test_bad_bytes_and_unbalanced_sequences_are_quarantined_and_the_rest_loads(tmp_path):
    path = tmp_path / "u.json"
    path.write_bytes(b'[{"a": 1},\n {"b": "caf\xe9"},\n {"c": 3}]')
    records, rejects = _split(path, True)
    assert [json.loads(r[0]) for r in records] == [{"a": 1}, {"c": 3}]
    assert [(r[0], r[1], r[2]) for r in rejects] == [(2, 12, "invalid_utf8")]
    path.write_text('{"a": 1}\n{"b": 2}}\n{"c": 3}\n')
    records, rejects = _split(path, False)
    assert [json.loads(r[0]) for r in records] == [{"a": 1}, {"b": 2}]  # complete before the stray }
    assert [(r[0], r[1], r[2]) for r in rejects] == [(2, 17, "malformed_json")]
