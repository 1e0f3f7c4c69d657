"""Property-based fuzzing of every reader (hypothesis): generated and damaged inputs of each format go
through the reader's own parsing and through a real ingest into a DuckDB warehouse; no crash, no hang,
and `read = loaded + duplicate + ignored + quarantined` with the ledger and the stored rows agreeing
(benchmarks/fuzz_readers.py). The long coverage-guided run is in `make bench` (benchmarks/fuzz.py)."""

from __future__ import annotations

import gzip
import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.fuzz_readers import HANG_SECONDS, READERS, check_ingest, check_reader
from benchmarks.secret_corpus import planted
from models.warehouse import connect

pytestmark = pytest.mark.slow
SECRETS = [p.text for p in planted()[:20]]
HEXID = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)

texts = st.one_of(st.text(max_size=40), st.sampled_from(SECRETS), st.sampled_from(["", " ", "\n", "\\", '"', "\x00"]))
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                    st.floats(allow_nan=False, allow_infinity=False), texts)
values = st.recursive(scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(texts, c, max_size=4), max_leaves=15)


def maybe(strategy):
    return st.one_of(strategy, values)


frames = st.lists(st.fixed_dictionaries({}, optional={
    "filename": maybe(texts), "abs_path": maybe(texts), "function": maybe(texts), "module": maybe(texts),
    "lineno": maybe(st.integers(-5, 10**6)), "context_line": maybe(texts), "pre_context": maybe(st.lists(texts, max_size=3)),
    "in_app": maybe(st.booleans()), "vars": values}), max_size=4)
exceptions = st.lists(st.fixed_dictionaries({}, optional={
    "type": maybe(texts), "value": maybe(texts), "module": maybe(texts),
    "mechanism": maybe(st.fixed_dictionaries({}, optional={"type": texts, "handled": maybe(st.booleans()),
                                                          "exception_id": maybe(st.integers(-3, 99)),
                                                          "parent_id": maybe(st.integers(-3, 99))})),
    "stacktrace": maybe(st.fixed_dictionaries({"frames": maybe(frames)}))}), max_size=3)
events = st.fixed_dictionaries({}, optional={
    "event_id": st.one_of(HEXID, texts, values), "timestamp": st.one_of(st.floats(0, 4e9), st.integers(), texts, values),
    "level": maybe(texts), "platform": maybe(texts), "release": maybe(texts), "environment": maybe(texts),
    "server_name": maybe(texts), "transaction": maybe(texts), "logger": maybe(texts),
    "message": st.one_of(texts, st.fixed_dictionaries({"formatted": texts}), values),
    "logentry": maybe(st.fixed_dictionaries({}, optional={"message": texts, "formatted": texts})),
    "exception": st.one_of(st.fixed_dictionaries({"values": maybe(exceptions)}), exceptions, values),
    "stacktrace": maybe(st.fixed_dictionaries({"frames": frames})),
    "threads": maybe(st.fixed_dictionaries({"values": st.lists(st.fixed_dictionaries({}, optional={
        "id": maybe(texts), "crashed": maybe(st.booleans()), "stacktrace": st.fixed_dictionaries({"frames": frames})}),
        max_size=2)})),
    "tags": st.one_of(st.dictionaries(texts, texts, max_size=3), st.lists(st.lists(texts, max_size=3), max_size=3), values),
    "extra": values, "contexts": values, "breadcrumbs": values, "fingerprint": maybe(st.lists(texts, max_size=3)),
    "sdk": maybe(st.fixed_dictionaries({}, optional={"name": texts, "version": texts})),
    "user": values, "request": values,
})


def _dumps(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8", "surrogatepass")


garbage = st.one_of(st.binary(max_size=60), st.sampled_from([b"{", b"}", b"[", b"]", b"\xff\xfe", b"\xef\xbb\xbf",
                                                             b'{"a": "\\ud800"}', b"[" * 70 + b"]" * 70, b"null", b'"x"']))
records = st.one_of(events.map(_dumps), garbage)


@st.composite
def damaged(draw, body: bytes) -> bytes:
    """The body, maybe with CRLF, a BOM, random bytes spliced in, cut short, or gzip (maybe truncated)."""
    if draw(st.booleans()):
        body = body.replace(b"\n", b"\r\n")
    if draw(st.integers(0, 9)) == 0:
        body = b"\xef\xbb\xbf" + body
    if body and draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(0, len(body)))
        body = body[:at] + draw(st.binary(min_size=1, max_size=8)) + body[at:]
    if body and draw(st.integers(0, 5)) == 0:
        body = body[: draw(st.integers(0, len(body)))]
    if draw(st.integers(0, 5)) == 0:
        body = gzip.compress(body)
        if draw(st.booleans()):
            body = body[: draw(st.integers(2, max(2, len(body) - 1)))]
    return body


def _lines(items: list[bytes], sep: bytes = b"\n") -> bytes:
    return sep.join(items) + (sep if items else b"")


@st.composite
def sentry_ndjson(draw):
    return draw(damaged(_lines(draw(st.lists(st.one_of(records, st.just(b""), st.just(b"   ")), max_size=8)))))


@st.composite
def sentry_array(draw):
    items = draw(st.lists(st.one_of(events.map(_dumps), garbage, st.just(b"")), max_size=6))
    return draw(damaged(b"[" + b",\n".join(items) + draw(st.sampled_from([b"]", b"", b"]]", b"] trailing", b",]"]))))


@st.composite
def sentry_event(draw):
    return draw(damaged(b"\n".join(draw(st.lists(records, min_size=1, max_size=3)))))


@st.composite
def sentry_envelope(draw):
    out = []
    for _ in range(draw(st.integers(0, 3))):
        out.append(draw(st.one_of(st.just(b'{"event_id":"' + b"e" * 32 + b'"}'), garbage)))
        for _ in range(draw(st.integers(0, 3))):
            payload = draw(records)
            kind = draw(st.sampled_from(["event", "transaction", "session", "attachment", "", "event"]))
            length = draw(st.one_of(st.just(len(payload)), st.integers(-2, len(payload) + 5), st.none()))
            head = {"type": kind} if length is None else {"type": kind, "length": length}
            out += [_dumps(head), payload]
    return draw(damaged(_lines(out)))


log_fields = st.fixed_dictionaries({}, optional={
    "timestamp": st.one_of(st.just("2026-11-24T05:59:41Z"), st.integers(), st.floats(0, 4e12), texts, values),
    "time": texts, "level": maybe(st.sampled_from(["error", "warn", "INFO", "30", "50"])), "levelname": values,
    "message": maybe(texts), "msg": values, "logger": maybe(texts), "service": maybe(texts),
    "exc_info": st.one_of(st.sampled_from([("Traceback (most recent call last):\n  File \"/a.py\", line 1, in f\n    x()\n"
                                           "ValueError: boom"), "ValueError: bare"]), texts, values),
    "trace_id": maybe(HEXID), "record": values, "ctx": values, "password": texts,
})


@st.composite
def logs_jsonl(draw):
    items = draw(st.lists(st.one_of(log_fields.map(_dumps), garbage, st.just(b"")), max_size=8))
    return draw(damaged(_lines(items)))


header = st.builds(lambda s, lvl, comp, msg: f"2026-11-24 05:59:{s:02d},123 {lvl} {comp}: {msg}",
                   st.integers(0, 59), st.sampled_from(["ERROR", "INFO", "WARNING", "x"]),
                   st.text(alphabet=string.ascii_letters + ".", min_size=1, max_size=8), texts.map(lambda t: t.replace("\n", " ")))
traceback_lines = st.just(["Traceback (most recent call last):", '  File "/app/x.py", line 3, in f', "    g()",
                           "ValueError: bad"])


@st.composite
def logs_text(draw):
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        lines.append(draw(header))
        if draw(st.booleans()):
            lines += draw(traceback_lines)
        if draw(st.integers(0, 3)) == 0:
            lines.append(draw(texts).replace("\n", " "))
    return draw(damaged(_lines([line.encode("utf-8", "surrogatepass") for line in lines])))


cells = st.one_of(texts, st.sampled_from(["2026-11-24 05:00", "SEV1", "p2", "", '"quoted, comma"', "line\nbreak"]))


@st.composite
def incidents_csv(draw):
    cols = draw(st.lists(st.sampled_from(["id", "title", "severity", "created_at", "resolved_at", "summary", "url",
                                          "service", "x"]), min_size=1, max_size=7))
    rows = [",".join(cols)]
    for _ in range(draw(st.integers(0, 6))):
        row = draw(st.lists(cells, min_size=0, max_size=len(cols) + 2))
        rows.append(",".join('"' + c.replace('"', '""') + '"' if draw(st.booleans()) else c for c in row))
    return draw(damaged("\n".join(rows).encode("utf-8", "surrogatepass")))


incident = st.fixed_dictionaries({}, optional={
    "id": maybe(texts), "title": maybe(texts), "severity": values, "created_at": maybe(st.just("2026-11-24T05:00:00Z")),
    "resolved_at": values, "service": values, "trace_ids": values, "summary": values})


@st.composite
def incidents_json(draw):
    items = draw(st.lists(st.one_of(incident, values), max_size=5))
    doc = draw(st.sampled_from(["list", "wrapped", "single", "scalar"]))
    obj = {"list": items, "wrapped": {"incidents": items}, "single": items[0] if items else {}, "scalar": 3}[doc]
    return draw(damaged(_dumps(obj)))


STRATEGIES = {"sentry_ndjson": sentry_ndjson(), "sentry_array": sentry_array(), "sentry_event": sentry_event(),
              "sentry_envelope": sentry_envelope(), "logs_jsonl": logs_jsonl(), "logs_text": logs_text(),
              "incidents_csv": incidents_csv(), "incidents_json": incidents_json()}
# A sentry batch costs a query of ~0.1-0.3 s: fewer examples there, more where ingest is cheap.
EXAMPLES = {"sentry_ndjson": 25, "sentry_array": 20, "sentry_event": 15, "sentry_envelope": 20,
            "logs_jsonl": 40, "logs_text": 40, "incidents_csv": 60, "incidents_json": 60}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz")
    con = connect(d / "fuzz.duckdb")
    yield con, d
    con.close()


def test_every_reader_has_a_strategy():
    assert set(STRATEGIES) == set(READERS), "a new reader needs a strategy here (and seeds in fuzz_readers.py)"


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_reader_never_crashes_hangs_or_loses_a_record(warehouse, name):
    con, workdir = warehouse
    reader = READERS[name]
    counter = iter(range(10**9))

    @settings(max_examples=EXAMPLES[name], deadline=HANG_SECONDS * 1000, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(data=STRATEGIES[name])
    def run(data: bytes):
        serial = next(counter)
        check_reader(reader, data, workdir, serial)
        check_ingest(con, reader, data, workdir, serial)

    run()


@pytest.mark.parametrize("name", sorted(READERS))
def test_seeds_load(warehouse, name):
    """The seed inputs are real: they load records (otherwise fuzzing around them proves little)."""
    con, workdir = warehouse
    reader = READERS[name]
    outcome = check_ingest(con, reader, reader.seeds[0], workdir, 10**6 + len(name))
    assert outcome.refused is None and outcome.counts["loaded"] + outcome.counts["duplicate"] >= 1, outcome


@pytest.mark.parametrize("line", [b"\x1f", b"\x0b", "\u00a0".encode(), "\u2028".encode(), b"\r", b" \t\f"])
def test_lines_of_odd_whitespace_are_accounted_for(warehouse, line):
    """Found by the coverage-guided run: a line holding only a control or Unicode space is a record (read
    and quarantined), a line of ASCII whitespace is skipped; either way the counts add up."""
    con, workdir = warehouse
    outcome = check_ingest(con, READERS["sentry_ndjson"], b'{"event_id": "' + b"d" * 32 + b'", "message": "m"}\n'
                           + line + b"\n", workdir, 2 * 10**6 + line[0])
    assert outcome.counts["loaded"] + outcome.counts["duplicate"] == 1
