"""The nesting-depth check: bracket counts (numpy) pre-select, a regex decides exactly, in the batch query."""

import json
import random

import duckdb
import pyarrow as pa

from benchmarks.sources import template_event
from models.sources import ingest_path, sentry


def _nested(rng: random.Random, depth: int):
    """A JSON value exactly `depth` deep, with siblings and strings full of brackets, quotes and escapes."""
    value = rng.choice([1, 'a"]}b\\', 'x{["', "\\", None])
    for _ in range(depth - 1):
        sibling = rng.choice([[1, "]"], {"k}": "[["}, "\\\"", 2.5])
        value = [sibling, value] if rng.random() < 0.5 else {'s]\\"': sibling, "v": value}
    return value


def test_depth_pattern_agrees_with_the_python_reference():
    rng = random.Random(3)
    docs = [json.dumps(_nested(rng, rng.randrange(56, 74)), indent=rng.choice([None, 1])) for _ in range(400)]
    docs += ["[" * 64 + "]" * 64, "[" * 65 + "]" * 65, '{"a":' * 64 + "1" + "}" * 64, '{"a":' * 65 + "1" + "}" * 65]
    got = duckdb.connect().execute(
        "SELECT list(regexp_full_match(d, ?) ORDER BY i) FROM (SELECT unnest(?) AS d, generate_subscripts(?, 1) AS i)",
        [sentry.depth_at_most_pattern(sentry.MAX_DEPTH), docs, docs],
    ).fetchone()[0]
    expected = [sentry.json_depth(d) <= sentry.MAX_DEPTH for d in docs]
    assert got == expected
    assert 50 < sum(expected) < len(docs) - 50  # both sides of the limit are exercised
    assert expected[-4:] == [True, False, True, False]


def test_bracket_counts_of_sliced_and_chunked_arrays():
    values = ['{"a": [1, {"b": []}]}\n', None, "", "[[[", "no brackets", '{"s": "[{"}']
    expected = [v.count("{") + v.count("[") if v else 0 for v in values]
    assert sentry.bracket_counts(pa.array(values)).to_pylist() == expected
    assert sentry.bracket_counts(pa.array(values).slice(2)).to_pylist() == expected[2:]
    assert sentry.bracket_counts(pa.array(values, pa.large_string())).to_pylist() == expected
    chunked = pa.chunked_array([pa.array(values[:3]), pa.array(values[3:])])
    assert sentry.bracket_counts(chunked).to_pylist() == expected


def test_events_with_many_brackets_load_and_only_the_deep_one_is_quarantined(warehouse, tmp_path):
    """Real events have far more than MAX_DEPTH brackets (frames, contexts): they go through the exact
    check and load; the one nesting deeper than the limit is quarantined, wherever its brackets are."""
    event = template_event()
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    event["exception"]["values"][-1]["stacktrace"]["frames"] = frames * 40  # ~40x the brackets
    lines = []
    for i in range(6):
        e = dict(event, event_id=f"{i:032x}")
        e["extra"] = {"note": "[[[{{{" * 20}  # brackets inside a string do not nest
        lines.append(json.dumps(e))
    deep = dict(event, event_id=f"{99:032x}", extra=_nested(random.Random(1), sentry.MAX_DEPTH + 1))
    lines.append(json.dumps(deep))
    assert all(line.count("{") + line.count("[") > sentry.MAX_DEPTH for line in lines)
    path = tmp_path / "many.ndjson"
    path.write_text("\n".join(lines) + "\n")
    (r,) = ingest_path(warehouse, path, source="sentry")
    assert (r.read, r.loaded, r.quarantined) == (7, 6, 1)
    assert warehouse.execute("SELECT line_no, reason FROM quarantine").fetchall() == [(7, "too_deep")]
