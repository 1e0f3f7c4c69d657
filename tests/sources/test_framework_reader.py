"""Line batches: gzip by magic bytes, CRLF, invalid UTF-8, over-long lines, truncated gzip."""

import gzip

from models.sources.reader import iter_arrow_line_batches, iter_line_batches, open_stream


def _all(path, **kw):
    lines, nos, offs, rejects = [], [], [], []
    for b in iter_line_batches(path, **kw):
        lines += b.lines
        nos += b.line_nos
        offs += b.byte_offsets
        rejects += b.rejects
    return lines, nos, offs, rejects


def test_gzip_detected_by_magic_not_name(tmp_path):
    p = tmp_path / "events.log"  # no .gz suffix
    p.write_bytes(gzip.compress(b"one\ntwo\n"))
    assert open_stream(p).read() == b"one\ntwo\n"
    lines, nos, _, rejects = _all(p)
    assert lines == ["one", "two"] and nos == [1, 2] and rejects == []


def test_crlf_invalid_utf8_and_long_lines(tmp_path):
    p = tmp_path / "mixed.txt"
    p.write_bytes(b"a\r\nb\n\xff\xfe bad\n" + b"x" * 50 + b"\nlast")
    lines, nos, offs, rejects = _all(p, max_line_bytes=20)
    assert lines == ["a", "b", "last"]
    assert nos == [1, 2, 5] and offs == [0, 3, 63]
    assert {(r.line_no, r.reason) for r in rejects} == {(3, "invalid_utf8"), (4, "line_too_long")}


def test_long_line_is_skipped_without_buffering_it(tmp_path):
    p = tmp_path / "huge.txt"
    p.write_bytes(b"ok\n" + b"y" * (3 << 20) + b"\nafter\n")
    lines, nos, _, rejects = _all(p, max_line_bytes=1024)
    assert lines == ["ok", "after"] and nos == [1, 3]
    assert [r.reason for r in rejects] == ["line_too_long"] and len(rejects[0].raw) <= 400


def test_truncated_gzip_keeps_records_before_the_cut(tmp_path):
    data = b"".join(b"line %d\n" % i for i in range(100_000))
    blob = gzip.compress(data)
    p = tmp_path / "cut.gz"
    p.write_bytes(blob[: len(blob) // 2])
    lines, nos, _, rejects = _all(p)
    assert len(lines) > 10_000 and lines[:2] == ["line 0", "line 1"]
    assert nos[-1] == len(lines)
    assert [r.reason for r in rejects] == ["truncated_gzip"] and rejects[0].line_no == len(lines) + 1
    arrow_lines = sum(len(b.lines) for b in iter_arrow_line_batches(p))
    assert arrow_lines == len(lines)


def test_arrow_batches_match_python_batches(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(b"a\r\nb\n\n\xff\xfe bad\n" + b"x" * 50 + b"\nlast")
    got = [b for b in iter_arrow_line_batches(p, max_line_bytes=20)]
    lines = [s.rstrip("\r\n") for b in got for s in b.lines.to_pylist()]
    nos = [int(n) for b in got for n in b.line_nos]
    reasons = sorted(r.reason for b in got for r in b.rejects)
    assert lines == ["a", "b", "", "last"] and nos == [1, 2, 3, 6]
    assert reasons == ["invalid_utf8", "line_too_long"]


def test_multi_member_gzip(tmp_path):
    p = tmp_path / "multi.gz"
    p.write_bytes(gzip.compress(b"a\nb\n") + gzip.compress(b"c\n"))
    assert _all(p)[0] == ["a", "b", "c"]
