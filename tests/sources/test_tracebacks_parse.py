"""Python traceback text -> exceptions and frames in Sentry order, from real raised exceptions."""

from __future__ import annotations

import json
import traceback

from models.sources.tracebacks import describe_path, event_id_for, parse_traceback, sentry_event


def _inner(payload: dict) -> int:
    return payload["count"] + 1


def _middle() -> int:
    try:
        return _inner({})
    except KeyError as exc:
        raise RuntimeError("could not count") from exc


def _real_chain() -> tuple[str, list[list[traceback.FrameSummary]]]:
    """Raise KeyError -> RuntimeError (explicit cause) -> ZeroDivisionError (during handling)."""
    try:
        try:
            _middle()
        except RuntimeError:
            _ = 1 / 0
    except ZeroDivisionError as exc:
        text = traceback.format_exc()
        chain, e = [], exc
        while e is not None:
            chain.append(traceback.extract_tb(e.__traceback__))
            e = e.__cause__ or e.__context__
        return text, list(reversed(chain))
    raise AssertionError("unreachable")


def test_real_chained_traceback_in_sentry_order():
    text, chain = _real_chain()
    assert "direct cause" in text and "During handling" in text
    parsed = parse_traceback("ERROR worker: job failed\n" + text)
    assert [(e.type, e.module) for e in parsed] == [
        ("KeyError", None),
        ("RuntimeError", None),
        ("ZeroDivisionError", None),
    ]
    assert parsed[0].value == "'count'" and parsed[1].value == "could not count"
    for exc, frames in zip(parsed, chain):
        assert [(f.function, f.lineno, f.abs_path) for f in exc.frames] == [
            (f.name, f.lineno, f.filename) for f in frames
        ]
    innermost = parsed[0].frames[-1]
    assert innermost.function == "_inner" and innermost.context_line == 'return payload["count"] + 1'
    assert all(f.in_app for e in parsed for f in e.frames)


def test_paths_guess_module_and_in_app():
    assert describe_path("/usr/local/lib/python3.11/site-packages/requests/adapters.py") == (
        "requests/adapters.py",
        "requests.adapters",
        False,
        "requests",
    )
    assert describe_path("/usr/lib/python3.12/json/decoder.py") == (
        "json/decoder.py",
        "json.decoder",
        False,
        None,
    )
    assert describe_path("<frozen importlib._bootstrap>")[2] is False
    assert describe_path("/srv/app/shop/api/views.py") == ("shop/api/views.py", "shop.api.views", True, None)
    assert describe_path("shop/__init__.py") == ("shop/__init__.py", "shop", True, None)


def test_syntax_error_carets_multiline_value_and_repeated_lines():
    text = (
        "Traceback (most recent call last):\n"
        '  File "/app/svc/loader.py", line 4, in load\n'
        "    return recurse(n - 1)\n"
        "           ^^^^^^^^^^^^^^\n"
        "  [Previous line repeated 996 more times]\n"
        '  File "/usr/lib/python3.11/site-packages/yaml/parser.py", line 80, in parse\n'
        "    raise ParserError(msg)\n"
        "yaml.parser.ParserError: while parsing a block mapping\n"
        '  in "<unicode string>", line 1, column 1\n'
        "expected <block end>, but found '-'\n"
    )
    (exc,) = parse_traceback(text)
    assert (exc.type, exc.module) == ("ParserError", "yaml.parser")
    assert exc.value.startswith("while parsing a block mapping") and "expected <block end>" in exc.value
    assert [(f.function, f.in_app, f.package) for f in exc.frames] == [
        ("load", True, None),
        ("parse", False, "yaml"),
    ]


def test_no_traceback_gives_no_event():
    assert parse_traceback("ValueError: just a message") == []
    assert parse_traceback(None) == []
    assert sentry_event("r1", "no traceback here", timestamp=None) is None


def test_sentry_event_shape():
    text, _ = _real_chain()
    event = sentry_event(
        "rec-1",
        text,
        timestamp="2026-01-02T03:04:05.000000Z",
        level="ERROR",
        logger="worker",
        message="job failed",
        service="jobs",
        release="jobs@1.2",
        environment="prod",
        trace_id="0af7651916cd43dd8448eb211c80319c",
    )
    assert event["event_id"] == event_id_for("rec-1") and len(event["event_id"]) == 32
    assert event["level"] == "error" and event["tags"] == {"service": "jobs"}
    assert event["contexts"]["trace"]["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    values = event["exception"]["values"]
    assert [v["type"] for v in values] == ["KeyError", "RuntimeError", "ZeroDivisionError"]
    assert values[0]["stacktrace"]["frames"][-1]["function"] == "_inner"
    json.dumps(event)  # serialisable


def _raise_group():
    raise ExceptionGroup("batch failed", [ValueError("row 1"), KeyError("row 2")])


def test_exception_group_keeps_the_group_its_frames_and_its_sub_exceptions():
    try:
        _raise_group()
    except ExceptionGroup as exc:
        text = traceback.format_exc()
        frames = traceback.extract_tb(exc.__traceback__)
    *subs, group = parse_traceback("ERROR batch: failed\n" + text)
    assert (group.type, group.value) == ("ExceptionGroup", "batch failed (2 sub-exceptions)")
    assert [(f.function, f.lineno) for f in group.frames] == [(f.name, f.lineno) for f in frames]
    # never raised, so printed without a traceback: kept with no frames, linked to their group
    assert [(e.type, e.value, e.parent_id, e.frames) for e in subs] == [("ValueError", "row 1", 0, []),
                                                                        ("KeyError", "'row 2'", 0, [])]
    assert group.as_sentry()["mechanism"] == {"type": "logging", "handled": True, "exception_id": 0,
                                              "is_exception_group": True}


def _fail():
    raise ValueError("row 1")


def _wrapped():
    try:
        raise KeyError("k")
    except KeyError as exc:
        raise RuntimeError("wrapped") from exc


def _collect(*calls):
    errors = []
    for call in calls:
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - collected into the group, as TaskGroup does
            errors.append(exc)
    return errors


def _inner_group():
    raise ExceptionGroup("inner", _collect(_fail, _wrapped))


def test_nested_exception_groups_are_split_with_their_frames_and_chains():
    try:
        raise ExceptionGroup("outer", _collect(_fail, _inner_group))
    except ExceptionGroup:
        text = traceback.format_exc()
    got = [(e.type, e.exception_id, e.parent_id, [f.function for f in e.frames]) for e in parse_traceback(text)]
    assert got == [
        ("ValueError", 1, 0, ["_collect", "_fail"]),
        ("ValueError", 3, 2, ["_collect", "_fail"]),
        ("KeyError", None, None, ["_wrapped"]),  # the cause, printed before what it caused
        ("RuntimeError", 4, 2, ["_collect", "_wrapped"]),
        ("ExceptionGroup", 2, 0, ["_collect", "_inner_group"]),
        ("ExceptionGroup", 0, None, ["test_nested_exception_groups_are_split_with_their_frames_and_chains"]),
    ]
