"""Loghub line formats (ANCHORS.md section 3) -> regexes usable in Python and DuckDB."""

from __future__ import annotations

import re

import duckdb
import pytest

from models.sources.logformat import LogFormatError, compile_line_format

ANCHOR_FORMATS = {
    "HDFS": (
        "<Date> <Time> <Pid> <Level> <Component>: <Content>",
        "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating",
    ),
    "Hadoop": (
        "<Date> <Time> <Level> [<Process>] <Component>: <Content>",
        "2015-10-18 18:01:47,978 INFO [main] org.apache.App: Created MRAppMaster",
    ),
    "Zookeeper": (
        "<Date> <Time> - <Level>  [<Node>:<Component>@<Id>] - <Content>",
        "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200",
    ),
    "HPC": (
        "<LogId> <Node> <Component> <State> <Time> <Flag> <Content>",
        "134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component State Change",
    ),
    "Windows": (
        "<Date> <Time>, <Level>                  <Component>    <Content>",
        "2016-09-28 04:30:30, Info                  CBS    Loaded Servicing Stack",
    ),
    "Linux": (
        r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>",
        "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure;",
    ),
    "Android": (
        "<Date> <Time>  <Pid>  <Tid> <Level> <Component>: <Content>",
        "03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogs",
    ),
    "HealthApp": (
        r"<Time>\|<Component>\|<Pid>\|<Content>",
        "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579",
    ),
    "OpenSSH": (
        r"<Date> <Day> <Time> <Component> sshd\[<Pid>\]: <Content>",
        "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186",
    ),
    "Mac": (
        r"<Month>  <Date> <Time> <User> <Component>\[<PID>\]( \(<Address>\))?: <Content>",
        "Jul  1 09:00:55 calvisitor-10 kernel[0]: IOThunderboltSwitch<0>(0x0)::listenerCallback",
    ),
}


@pytest.mark.parametrize("system", sorted(ANCHOR_FORMATS))
def test_anchor_formats_compile_and_match(system):
    fmt_text, line = ANCHOR_FORMATS[system]
    fmt = compile_line_format(fmt_text)
    m = re.match(fmt.regex, line)
    assert m is not None
    content = m.group(fmt.fields.index("Content") + 1)
    assert content and line.endswith(content) and content != line
    names = "[" + ", ".join(f"'{f}'" for f in fmt.fields) + "]"
    got = duckdb.connect().execute(f"SELECT regexp_extract($1, $2, {names})", [line, fmt.regex]).fetchone()[0]
    assert got == dict(zip(fmt.fields, m.groups(default="")))


def test_unusable_formats_are_clear_errors():
    for bad in ("", "no fields at all", "<A> <A>"):
        with pytest.raises(LogFormatError):
            compile_line_format(bad)


@pytest.mark.parametrize("system", sorted(ANCHOR_FORMATS))
def test_strict_fast_path_extracts_what_the_loghub_regex_extracts(system, shared_datasets):
    src = shared_datasets / "loghub-2k" / system / f"{system}_2k.log"
    assert src.exists(), f"{src} missing from the shared datasets"
    fmt = compile_line_format(ANCHOR_FORMATS[system][0])
    if fmt.strict_regex is None:
        assert system in ("Linux", "Mac")  # optional groups in the format: no fast path
        return
    loose, strict = re.compile(fmt.regex), re.compile(fmt.strict_regex)
    lines = [line.rstrip() for line in src.read_text(encoding="utf-8", errors="replace").splitlines()]
    lines += [line.replace(" ", "  ", 2) for line in lines[:50]] + ["", "x", "a b", ":: ::", "| | |"]
    fast = 0
    for line in lines:
        s = strict.match(line)
        if s is not None:
            fast += 1
            assert s.groups() == loose.match(line).groups(), line
    assert fast >= 1900  # the fast path serves (nearly) every real line
