"""Envelope files are parsed block by block: any split of the bytes gives the same items."""

import gzip
import random

from benchmarks.sources import write_sdk_envelopes
from models.sources import ingest_path, sentry
from models.sources.envelope import EnvelopeParser, parse_envelopes

BROKEN_TAIL = (
    b"this is not a header\n"
    b'{"type": "client_report"}\n{"discarded_events": []}\n'
    b'{"type": "event"}\n{"message": "no length: up to the newline"}\n'
    b'{"type": "event", "length": 99999}\n{"cut": '
)


def _fed(data: bytes, cuts: list[int]):
    parser, events, ignored, rejects = EnvelopeParser(), [], {}, []
    pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)])]
    for i, piece in enumerate(pieces):
        items = parser.feed(piece, final=i == len(pieces) - 1)
        events += items.events
        rejects += [(r.line_no, r.byte_offset, r.reason) for r in items.rejects]
        for kind, n in items.ignored.items():
            ignored[kind] = ignored.get(kind, 0) + n
    return events, ignored, rejects


def test_any_split_of_the_bytes_gives_the_items_of_the_whole_file(tmp_path):
    path = write_sdk_envelopes(tmp_path / "app.envelope", 3, secrets=False)
    data = path.read_bytes() + BROKEN_TAIL
    whole = parse_envelopes(data)
    expected = (whole.events, dict(whole.ignored), [(r.line_no, r.byte_offset, r.reason) for r in whole.rejects])
    assert len(whole.events) == 5 and whole.ignored["transaction"] == 1 and len(whole.rejects) == 2
    rng = random.Random(4)
    for _ in range(40):
        cuts = sorted(rng.sample(range(1, len(data)), rng.randrange(1, 12)))
        assert _fed(data, cuts) == expected
    assert _fed(data, list(range(1, len(data)))) == expected  # one byte at a time


def test_envelopes_load_in_small_blocks_and_a_truncated_gzip_keeps_the_whole_items(warehouse, tmp_path, monkeypatch):
    monkeypatch.setattr(sentry, "BATCH_BYTES", 512)  # many blocks: items straddle them
    path = write_sdk_envelopes(tmp_path / "app.envelope", 4, secrets=False)
    write_sdk_envelopes(path, 3, secrets=False)
    (r,) = ingest_path(warehouse, path, source="sentry")
    assert (r.format, r.loaded, r.quarantined) == ("envelope", 9, 0)  # 7 errors + 2 messages
    data = path.read_bytes()
    blob = gzip.compress(data)
    cut = tmp_path / "cut.envelope.gz"
    cut.write_bytes(blob[: len(blob) * 3 // 4])
    (r2,) = ingest_path(warehouse, cut, source="sentry")
    assert r2.quarantined == 1 and 0 < r2.loaded + r2.duplicate < 9 and r2.read == r2.loaded + r2.duplicate + r2.ignored + 1
    assert warehouse.execute("SELECT reason FROM quarantine WHERE file_id = ?", [r2.file_id]).fetchall() == [
        ("truncated_gzip",)
    ]
