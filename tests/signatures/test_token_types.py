"""Token typing: every type masks its variables, and its look-alikes stay constant."""

from __future__ import annotations

import polars as pl
import pytest

from models.signatures.token_types import TYPES, mask, mask_expr

CASES = {
    "url": [
        ("GET https://api.example.io/v1/items?id=3&page=2 failed", "GET <*> failed"),
        ("fetch hdfs://namenode:9000/tmp/x done", "fetch <*> done"),
        ("protocol https not allowed", None),  # look-alike: the scheme word alone
        ("scheme: http only", None),
    ],
    "quoted_value": [
        ('acquire tag="View Lock", name=phone', "acquire tag=<*>, name=phone"),
        ("set name='a b c' now", "set name=<*> now"),
        ('if a == b print "quoted" text', None),  # no key: a quoted word is not a value
        ("logname= uid", None),  # an empty value stays as it is
    ],
    "colon_groups": [
        ("from fe80::1ff:fe23:4567:890a up", "from <*> up"),
        ("mac 00:1b:44:11:3a:b7 seen", "mac <*> seen"),
        ("at 17:41:44 started", "at <*> started"),
        ("Foo::bar failed", None),
        ("CCFile::captureLog Received", None),
        ("ratio a:b:c kept", None),
    ],
    "host_port": [
        ("connect proxy.cse.cuhk.edu.hk:5070 open", "connect <*> open"),
        ("to 10.0.0.1:50010 ok", "to <*> ok"),
        ("localhost:8080 refused", "<*> refused"),
        ("onExtend:1514038530000", "onExtend:<*>"),  # a key with a number: the key stays
        ("state:RUNNING java.vendor:Oracle", None),
    ],
    "number_with_unit": [
        ("sent 1190 bytes (1.16 KB)", "sent <*> (<*>)"),
        ("received 403 B", "received <*>"),
        ("lifetime <1 sec", "lifetime <*>"),
        ("took 12 ms", "took <*>"),
        ("retry in 5 seconds", "retry in <*>"),
        ("disk 80% full", "disk <*> full"),
        ("free 1.2 GB left", "free <*> left"),
        ("size in KB, unit ms, seconds elapsed", None),
        ("port 22 ssh2", "port <*> ssh2"),  # `ssh2` is a name, not a number
        ("5 sshd children", "<*> sshd children"),  # the unit `s` must end there
    ],
    "id_run": [
        ("block blk_-1608999687919862906 from /10.250.19.102", "block <*> from <*>"),
        ("node node-160 up", "node <*> up"),
        ("ratio -3.5e2 ok", "ratio <*> ok"),
        ("ptr 0x7ffe12ab", "ptr <*>"),
        ("hash a64f992 seen", "hash <*> seen"),
        ("GET /v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/detail", "GET <*>"),
        ("req 123e4567-e89b-12d3-a456-426614174000 done", "req <*> done"),
        ("on 2015-10-18 done", "on <*> done"),
        ("task attempt_1445144423722_0020_m_000000_0 ok", "task <*> ok"),
        ("pid 12345 exited", "pid <*> exited"),
        ("ssh2 IPv6 log4j sha256 md5 x86 en0 ee0 CI46", None),  # names with a short number
        ("deadbeef cafe facade added", None),  # hex letters without digits are words
    ],
    "month_or_day": [
        ("Jun 14 start", "<*> start"),
        ("on Mon at noon", "on <*> at noon"),
        ("Monitor June Mayday Decode", None),
    ],
}


@pytest.mark.parametrize(
    "type_name, text, expected", [(t, text, exp) for t, cases in CASES.items() for text, exp in cases]
)
def test_type_masks_its_variables_and_keeps_look_alikes(type_name, text, expected):
    assert mask(text) == (text if expected is None else expected)


def test_every_type_has_cases_with_look_alikes():
    assert set(CASES) == {name for name, _, _ in TYPES}
    assert all(any(exp is None or "<*>" not in exp.replace("<*>", "", 1) for _, exp in cases) for cases in CASES.values())


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Supported channels 1 2 3 36 40", "Supported channels <*>"),  # a list of any length: one parameter
        ("values 1, 2, 3 end", "values <*> end"),
        ("to delete  blk_1 blk_2 blk_3", "to delete  <*>"),
    ],
)
def test_runs_of_variables_collapse(text, expected):
    assert mask(text) == expected


def test_column_typing_equals_single_typing():
    texts = [text for cases in CASES.values() for text, _ in cases] + [None, ""]
    typed = pl.DataFrame({"m": texts}).select(mask_expr(pl.col("m")))["m"].to_list()
    assert typed == [mask(t) if t is not None else "" for t in texts]
