"""Error fingerprints: real sentry-sdk events and raw Sentry JSON, ingested for real, fingerprinted in SQL."""

from __future__ import annotations

import hashlib
import json

import pytest

from models.config import Config
from models.signatures import fingerprint_events, parameterize
from models.signatures.parameterize import message_key
from models.signatures.rules import RuleError, parse_fingerprint_rule, parse_stacktrace_rule
from models.sources import ingest_path

from .helpers import capture, event, fingerprints, frame, ingest_events

V1 = """
def load(user):
    cfg = {"a": 1}
    return helper(cfg, user)

def helper(cfg, user):
    raise KeyError(f"user {user} missing from shard 17")

def other(user):
    raise KeyError(f"user {user} missing from shard 17")

def typed(user):
    raise ValueError(f"user {user} missing from shard 17")

def chained(user):
    try:
        helper({}, user)
    except KeyError as exc:
        raise RuntimeError("lookup failed") from exc

def plain(user):
    raise RuntimeError("lookup failed")

def recurse(n):
    return down(int(n))

def down(n):
    if n == 0:
        raise RecursionError("bottom")
    return down(n - 1)
"""

# the same code after an edit above it: every line number moves
V2 = "# a comment\n\n\n# another one\nimport os\n" + V1


@pytest.fixture(scope="module")
def sdk_events(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sdk")
    v1 = capture(
        tmp, "v1", V1, ["load:42", "other:42", "typed:42", "chained:1", "plain:1", "recurse:3", "recurse:6"]
    )
    v2 = capture(tmp, "v2", V2, ["load:977"])
    return v1, v2


@pytest.fixture
def sdk_fingerprints(warehouse, sdk_events):
    for path in sdk_events:
        ingest_path(warehouse, path, source="sentry")
    assert fingerprint_events(warehouse, Config()) == 8
    rows = fingerprints(warehouse)
    names = ["load", "other", "typed", "chained", "plain", "recurse3", "recurse6", "load_v2"]
    return dict(zip(names, rows))


def test_stable_under_line_shifts_and_parameters(sdk_fingerprints):
    v1, v2 = sdk_fingerprints["load"], sdk_fingerprints["load_v2"]
    assert v1[1] == v2[1]
    assert v1[2] == "app"
    components = json.loads(v1[4])
    assert "app.code" in components and "helper" in components and "KeyError" in components
    assert not any(str(n) in components for n in range(1, 40))  # no line numbers
    # the value is not hashed (a stack trace contributes), the title is parameterized
    assert not any("977" in c or "42" in c for c in components)
    assert v1[3] == v2[3] == "KeyError: 'user <int> missing from shard <int>'"


def test_different_bugs_never_share_a_fingerprint(sdk_fingerprints):
    fp = {k: v[1] for k, v in sdk_fingerprints.items()}
    assert fp["load"] != fp["other"]  # different function, same exception and message
    assert fp["other"] != fp["typed"]  # same function body and message, different exception type
    assert len({fp["load"], fp["other"], fp["typed"], fp["chained"], fp["plain"], fp["recurse3"]}) == 6


def test_chained_exceptions_all_contribute(sdk_fingerprints):
    chained = json.loads(sdk_fingerprints["chained"][4])
    assert chained.index("KeyError") < chained.index("RuntimeError")  # cause first, as in Sentry
    assert "helper" in chained and "chained" in chained
    assert sdk_fingerprints["chained"][1] != sdk_fingerprints["plain"][1]


def test_recursion_is_collapsed(sdk_fingerprints):
    assert sdk_fingerprints["recurse3"][1] == sdk_fingerprints["recurse6"][1]
    assert (
        json.loads(sdk_fingerprints["recurse3"][4]).count("down") <= 2
    )  # the calling line, the raising line


def test_hash_is_md5_of_contributing_values(warehouse, tmp_path):
    ingest_events(
        warehouse, tmp_path, [event("a" * 32, exc=[{"type": "ValueError", "value": "hello world"}])]
    )
    fingerprint_events(warehouse, Config())
    _, fp, variant, title, comps = fingerprints(warehouse)[0]
    assert fp == hashlib.md5(b"ValueErrorhello world").hexdigest() == "b23ee1963904c2ca87b145febf94b66c"
    assert (variant, title, json.loads(comps)) == (
        "app",
        "ValueError: hello world",
        ["ValueError", "hello world"],
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Test 1", "Test <int>"),
        ("took 1.5 ms at 2024-01-02T03:04:05Z", "took <duration> at <date>"),
        (
            "mail bob@example.org from 10.0.0.1 and fe80::1ff:fe23:4567:890a",
            "mail <email> from <ip> and <ip>",
        ),
        ("GET https://api.example.io/v1/items?id=3 failed", "GET <url> failed"),
        ("db.internal.example.com refused", "<hostname> refused"),
        ("req 123e4567-e89b-12d3-a456-426614174000", "req <uuid>"),
        (
            "sha deadbeefdeadbeefdeadbeefdeadbeefdeadbeef md5 d41d8cd98f00b204e9800998ecf8427e",
            "sha <sha1> md5 <md5>",
        ),
        ("ptr 0x7ffe12ab commit abc1234", "ptr <hex> commit <git_sha>"),
        ("ratio 0.75 count 1234567 id 123456789", "ratio <float> count <int> id <hex>"),
        ("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "<traceparent>"),
        ("query name='bob' user=\"x y\"", "query name=<quoted_str> user=<quoted_str>"),
        ("KeyError: 'user_id'", "KeyError: 'user_id'"),
    ],
)
def test_message_parameterization(text, expected):
    assert parameterize(text) == expected


def test_message_events_use_first_two_lines_parameterized(warehouse, tmp_path):
    msgs = [
        "User 42 failed login from 10.0.0.1\nretry 3 of 5\ntrace tail 1",
        "\nUser 7 failed login from 10.0.0.9\n\nretry 1 of 5\ncompletely different tail",
        "Disk 3 full on host-a",
        "User 42 failed login from 10.0.0.1\nretry 3 of 5 (manual)",
    ]
    ingest_events(warehouse, tmp_path, [event(f"{i:032x}", message=m) for i, m in enumerate(msgs)])
    fingerprint_events(warehouse, Config())
    rows = fingerprints(warehouse)
    assert {r[2] for r in rows} == {"message"}
    assert rows[0][1] == rows[1][1]  # parameters and the third line do not matter
    assert rows[0][1] != rows[2][1] and rows[0][1] != rows[3][1]
    assert rows[0][1] == hashlib.md5(message_key(msgs[0]).encode()).hexdigest()
    assert message_key(msgs[0]) == "User <int> failed login from <ip>\nretry <int> of <int>"


def _soft_timeout(eid: str, fn: str) -> dict:
    return event(
        eid,
        exc=[
            {
                "type": "SoftTimeLimitExceeded",
                "value": "SoftTimeLimitExceeded()",
                "stacktrace": {
                    "frames": [
                        frame("app.tasks", fn, "run()"),
                        frame("billiard.pool", "handler", "raise X", in_app=False),
                    ]
                },
            }
        ],
    )


def test_fingerprint_rules(warehouse, tmp_path):
    ingest_events(
        warehouse,
        tmp_path,
        [
            _soft_timeout("1" * 32, "a"),
            _soft_timeout("2" * 32, "b"),
            event("3" * 32, exc=[{"type": "KeyError", "value": "x"}]),
        ],
    )
    config = Config(
        fingerprint_rules=(
            "type:SoftTimeLimitExceeded -> soft-timelimit-exceeded",
            'message:"x" -> key-x, {{ default }}',
        )
    )
    fingerprint_events(warehouse, config)
    a, b, k = fingerprints(warehouse)
    assert a[1] == b[1] == hashlib.md5(b"soft-timelimit-exceeded").hexdigest()  # different stacks, one group
    assert a[2] == "custom"
    assert k[2] == "app" and k[1] == hashlib.md5(b"KeyErrorxkey-x").hexdigest()  # {{ default }} mixed in


def test_sdk_fingerprint_and_server_rule_precedence(warehouse, tmp_path):
    e1 = _soft_timeout("4" * 32, "a") | {"fingerprint": ["celery", "task"]}
    e2 = event("5" * 32, exc=[{"type": "OSError", "value": "boom"}], fingerprint=["{{ default }}", "extra"])
    ingest_events(warehouse, tmp_path, [e1, e2])
    fingerprint_events(warehouse, Config(fingerprint_rules=("type:SoftTimeLimitExceeded -> soft",)))
    r1, r2 = fingerprints(warehouse)
    assert r1[1] == hashlib.md5(b"soft").hexdigest()  # the server rule beats the SDK fingerprint
    assert r2[1] == hashlib.md5(b"OSErrorboomextra").hexdigest()


def _vendor_event(eid: str, vendor_fn: str) -> dict:
    return event(
        eid,
        exc=[
            {
                "type": "TypeError",
                "value": "bad",
                "stacktrace": {
                    "frames": [
                        frame("app.views", "index", "return render()"),
                        {
                            "filename": "vendor/lib/x.py",
                            "abs_path": "/srv/app/vendor/lib/x.py",
                            "function": vendor_fn,
                            "context_line": "call()",
                            "in_app": True,
                        },
                    ]
                },
            }
        ],
    )


def test_stacktrace_rules_app_and_group(warehouse, tmp_path):
    ingest_events(warehouse, tmp_path, [_vendor_event("6" * 32, "f1"), _vendor_event("7" * 32, "f2")])
    fingerprint_events(warehouse, Config())
    a, b = fingerprints(warehouse)
    assert a[1] != b[1]  # vendor frames marked in-app by the client: they contribute

    warehouse.execute("DELETE FROM core.event_fingerprints")
    fingerprint_events(warehouse, Config(stacktrace_rules=("path:**/vendor/** -app",)))
    a, b = fingerprints(warehouse)
    assert a[1] == b[1] and a[2] == "app" and "f1" not in json.loads(a[4])

    warehouse.execute("DELETE FROM core.event_fingerprints")
    fingerprint_events(warehouse, Config(stacktrace_rules=("function:index ^-group",)))
    a, b = fingerprints(warehouse)
    assert a[1] == b[1] and json.loads(a[4]) == ["app.views", "index", "return render()", "TypeError"]


def test_fingerprinting_is_incremental(warehouse, tmp_path):
    ingest_events(warehouse, tmp_path, [event("8" * 32, message="one 1")], name="a")
    assert fingerprint_events(warehouse, Config()) == 1
    assert fingerprint_events(warehouse, Config()) == 0
    ingest_events(warehouse, tmp_path, [event("9" * 32, message="one 2")], name="b")
    assert fingerprint_events(warehouse, Config()) == 1
    assert len({r[1] for r in fingerprints(warehouse)}) == 1


def test_bad_rules_are_rejected_with_the_rule_quoted():
    with pytest.raises(RuleError, match="colour"):
        parse_fingerprint_rule("colour:red -> x")
    with pytest.raises(RuleError, match="->"):
        parse_fingerprint_rule("type:X")
    with pytest.raises(RuleError, match="explode"):
        parse_stacktrace_rule("path:**/x.py explode")


def test_sentry_grouping_oracle(shared_datasets):
    from models.signatures.sentry_oracle import score

    result = score(shared_datasets / "sentry-grouping")
    assert result["pairs"] == 435
    assert result["agree"] == 435, result["disagreements"]
    assert result["exact_hash_matches"] >= 24  # same md5 as Sentry's own snapshots
    # An event with nothing in it (no exception, message or frames) is quarantined as empty_event by design,
    # where Sentry stores it under its empty "fallback" hash; it still forms its own group, so no pair is lost.
    assert result["group_keys"]["frame_empty_list"].startswith("not-ingested:")


def test_batches_give_the_same_result(warehouse, tmp_path):
    msgs = [f"job {i} failed on worker {i % 3}" if i % 2 else f"disk {i} full" for i in range(7)]
    ingest_events(warehouse, tmp_path, [event(f"{i:032x}", message=m) for i, m in enumerate(msgs)])
    assert fingerprint_events(warehouse, Config(), batch=2) == 7  # four passes
    assert len({r[1] for r in fingerprints(warehouse)}) == 2


def test_fingerprint_variables_take_the_event_values_as_data(warehouse, tmp_path):
    e1 = event(
        "a1" * 16,
        exc=[{"type": "IOError", "value": r"path C:\1\x failed"}],
        fingerprint=["{{ message }}", "io"],
    )
    e2 = event("a2" * 16, exc=[{"type": "IOError", "value": "other"}], fingerprint=["{{type}}", "io"])
    ingest_events(warehouse, tmp_path, [e1, e2])
    fingerprint_events(warehouse, Config())
    r1, r2 = fingerprints(warehouse)
    assert json.loads(r1[4]) == [r"path C:\1\x failed", "io"]  # a backslash is not a back-reference
    assert r2[1] == hashlib.md5(b"IOErrorio").hexdigest() and r2[2] == "custom"


def test_legacy_checksum_wins_and_is_hashed_unless_it_is_a_hash(warehouse, tmp_path):
    """Sentry's `checksum` (old clients): 32 lower-case hex is the group hash itself, anything else is
    md5-hashed; it wins over the message, the exception and fingerprint rules."""
    ingest_events(
        warehouse,
        tmp_path,
        [
            event("d1" * 16, message="Dogs are great!", checksum="11212012123120120415201309082013"),
            event("d2" * 16, message="Dogs are great!", checksum="not a legit checksum"),
            event("d3" * 16, message="Dogs are great!"),
            event("d4" * 16, exc=[{"type": "KeyError", "value": "x"}], checksum="not a legit checksum"),
        ],
    )
    fingerprint_events(warehouse, Config(fingerprint_rules=("type:KeyError -> keys",)))
    rows = {r[0]: r for r in fingerprints(warehouse)}
    assert rows["d1" * 16][1:3] == ("11212012123120120415201309082013", "checksum")
    assert rows["d2" * 16][1:3] == (hashlib.md5(b"not a legit checksum").hexdigest(), "hashed_checksum")
    assert rows["d3" * 16][2] == "message" and rows["d3" * 16][1] != rows["d2" * 16][1]
    assert rows["d4" * 16][1] == rows["d2" * 16][1]  # the checksum beats the exception and the rule


def test_exception_as_a_bare_object_is_a_chain_of_one(warehouse, tmp_path):
    bare = {"event_id": "e1" * 16, "exception": {"type": "ValueError", "module": "foo.bar", "value": "hello world"}}
    listed = event("e2" * 16, exc=[{"type": "ValueError", "module": "foo.bar", "value": "hello world"}])
    ingest_events(warehouse, tmp_path, [bare, listed])
    assert warehouse.execute("SELECT count(*) FROM core.quarantine").fetchone()[0] == 0
    fingerprint_events(warehouse, Config())
    (_, fp1, variant, title, _), (_, fp2, *_) = fingerprints(warehouse)
    assert fp1 == fp2 == hashlib.md5(b"ValueErrorhello world").hexdigest()  # Sentry's own hash for it
    assert (variant, title) == ("app", "ValueError: hello world")
