"""Python tracebacks found in log records, turned into Sentry-shaped error events.

`parse_traceback(text)` reads the text Python prints for an uncaught/logged exception, including
chains ("During handling of the above exception, another exception occurred:" and "The above
exception was the direct cause of the following exception:"). Python prints the oldest exception
first and frames outermost first, which is exactly Sentry's order for `exception.values` and
`stacktrace.frames`, so the order of the text is kept.

Only records that contain a traceback come here (they are few); everything else stays in SQL.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

TRACEBACK_HEADER = "Traceback (most recent call last):"
_CHAIN_SEPARATORS = (
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
)
_FRAME = re.compile(r'^\s*File "(?P<path>[^"]*)", line (?P<lineno>\d+)(?:, in (?P<function>.*))?\s*$')
_CARETS = re.compile(r"^\s*[~^]+\s*$")
_REPEATED = re.compile(r"^\s*\[Previous line repeated \d+ more times?\]\s*$")
_EXC_LINE = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?::\s?(?P<value>.*))?$")
_SITE = re.compile(r"/(?:site|dist)-packages/")
_STDLIB = re.compile(r"/lib/python\d+(?:\.\d+)?/")
# Leading directories that are deployment roots rather than package names.
_ROOTS = re.compile(r"^(?:.*/)?(?:app|src|srv|code|workspace|usr/src/app|opt/[^/]+)/")


@dataclass
class Frame:
    abs_path: str
    lineno: int | None
    function: str | None
    context_line: str | None = None
    filename: str | None = None
    module: str | None = None
    in_app: bool = True
    package: str | None = None

    def as_sentry(self) -> dict:
        out = {
            "filename": self.filename,
            "abs_path": self.abs_path,
            "module": self.module,
            "function": self.function,
            "lineno": self.lineno,
            "context_line": self.context_line,
            "in_app": self.in_app,
        }
        if self.package:
            out["package"] = self.package
        return {k: v for k, v in out.items() if v is not None}


@dataclass
class ParsedException:
    type: str
    value: str | None
    module: str | None
    frames: list[Frame] = field(default_factory=list)
    exception_id: int | None = None  # exception groups: ids in print order, the top group 0
    parent_id: int | None = None  # the group a sub-exception belongs to
    is_group: bool = False

    def as_sentry(self) -> dict:
        mechanism: dict = {"type": "logging", "handled": True}
        if self.exception_id is not None:
            mechanism["exception_id"] = self.exception_id
        if self.parent_id is not None:
            mechanism["parent_id"] = self.parent_id
        if self.is_group:
            mechanism["is_exception_group"] = True
        out: dict = {
            "type": self.type,
            "value": self.value,
            "mechanism": mechanism,
        }
        if self.module:
            out["module"] = self.module
        if self.frames:
            out["stacktrace"] = {"frames": [f.as_sentry() for f in self.frames]}
        return out


def _module_from_relpath(rel: str) -> str | None:
    if not rel.endswith(".py"):
        return None
    parts = rel[:-3].strip("/").split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts)


def describe_path(path: str) -> tuple[str, str | None, bool, str | None]:
    """(filename, module, in_app, package) guessed from a traceback path.

    Third-party code (site-/dist-packages) and the standard library (`lib/pythonX.Y/`, `<frozen ...>`)
    are not in-app; the filename is then the path below that directory. For app code, deployment
    roots such as `/app/`, `/srv/`, `src/` are stripped.
    """
    p = path.replace("\\", "/")
    if p.startswith("<"):
        return p, None, False, None
    m = _SITE.search(p)
    if m:
        rel = p[m.end() :]
        return rel, _module_from_relpath(rel), False, rel.split("/", 1)[0]
    m = _STDLIB.search(p)
    if m:
        rel = p[m.end() :]
        return rel, _module_from_relpath(rel), False, None
    rel = _ROOTS.sub("", p, count=1) if p.startswith("/") or "/" in p else p
    rel = rel.lstrip("/")
    return rel, _module_from_relpath(rel), True, None


def _split_type(qualname: str) -> tuple[str, str | None]:
    if "." in qualname:
        module, _, name = qualname.rpartition(".")
        return name, module
    return qualname, None


_GROUP_HEADER = "Exception Group Traceback (most recent call last):"
_FIRST_SUB = re.compile(r"^\+-\+-+ \d+ -+\s*$")  # `+-+---- 1 ----` at the group's column
_NEXT_SUB = re.compile(r"^\+-+ (?:\d+|\.\.\.) -+\s*$")  # `+---- 2 ----` two columns deeper
_END_SUBS = re.compile(r"^\+-+\s*$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _group_parts(lines: list[str], col: int) -> tuple[list[str], list[list[str]]]:
    """An exception group printed at column `col` (`| ` lines): its own traceback text, and the lines of
    each sub-exception (printed two columns deeper, between `+---- n ----` separators)."""
    own: list[str] = []
    subs: list[list[str]] = []
    current: list[str] | None = None
    for line in lines:
        at, rest = _indent(line), line.lstrip(" ")
        if at == col and rest.startswith("|"):
            own.append(rest[2:] if rest.startswith("| ") else rest[1:])
        elif at == col and rest.startswith("+") and _GROUP_HEADER in rest:
            own.append(TRACEBACK_HEADER)
        elif (at == col and _FIRST_SUB.match(rest)) or (at == col + 2 and _NEXT_SUB.match(rest)):
            current = []
            subs.append(current)
        elif at == col + 2 and _END_SUBS.match(rest):
            current = None
        elif current is not None and at >= col + 2:
            current.append(line)
    return own, subs


def _parse_group(lines: list[str], col: int, counter: list[int], parent: int | None) -> list[ParsedException]:
    """Sentry order for a group: its sub-exceptions (each cause first, nested groups the same way), then
    the group's own chain, the group last. mechanism exception_id/parent_id link each sub to its group."""
    own, subs = _group_parts(lines, col)
    chain = _parse_plain(own)
    if not chain:
        return []
    group = chain[-1]
    group.exception_id, group.parent_id, group.is_group = counter[0], parent, True
    counter[0] += 1
    children: list[ParsedException] = []
    for sub in subs:
        sub_col = min((_indent(x) for x in sub if x.strip()), default=col + 2)
        head = next((x.lstrip(" ") for x in sub if x.strip()), "")
        if head.startswith(("| " + _GROUP_HEADER, "|" + _GROUP_HEADER)):
            children += _parse_group(sub, sub_col, counter, group.exception_id)
            continue
        sub_own, _ = _group_parts(sub, sub_col)
        sub_chain = _parse_plain(sub_own) or _bare_exception(sub_own)
        if sub_chain:
            sub_chain[-1].exception_id, sub_chain[-1].parent_id = counter[0], group.exception_id
            counter[0] += 1
            children += sub_chain
    return children + chain


def _bare_exception(lines: list[str]) -> list[ParsedException]:
    """A sub-exception that was never raised (`ExceptionGroup("...", [ValueError("x")])`) is printed
    as its exception line alone: no traceback, no frames."""
    text = [x for x in lines if x.strip()]
    m = _EXC_LINE.match(text[0].strip()) if text else None
    if not m:
        return []
    type_name, module = _split_type(m["type"])
    value = "\n".join([m["value"] or "", *text[1:]]).strip() if m["value"] or len(text) > 1 else m["value"]
    return [ParsedException(type=type_name, value=value, module=module)]


def _group_of(lines: list[str]) -> list[ParsedException] | None:
    """The exception group in `lines` (a `+ Exception Group Traceback` line), or None."""
    for i, line in enumerate(lines):
        rest = line.lstrip(" ")
        if rest.startswith("+") and rest.endswith(_GROUP_HEADER):
            col = _indent(line)
            # the lines before the group (text, or the chain that led to it) stay a plain traceback
            before = _parse_plain(lines[:i]) if any(TRACEBACK_HEADER in x for x in lines[:i]) else []
            return before + _parse_group(lines[i:], col, [0], None)
    return None


def parse_traceback(text: str | None) -> list[ParsedException]:
    """Every exception of the traceback chain in `text`, cause first (Sentry order); [] when none.

    Lines before the first `Traceback (most recent call last):` are ignored. A chained exception
    printed without frames (raised from code that left no traceback) is kept with no frames.
    """
    if not text or (TRACEBACK_HEADER not in text and _GROUP_HEADER not in text):
        return []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if "+ " + _GROUP_HEADER in text:
        group = _group_of(lines)
        if group is not None:
            return group
    return _parse_plain(lines)


def _parse_plain(lines: list[str]) -> list[ParsedException]:
    """A plain traceback (with its chain): exceptions cause first."""
    if not any(line.strip().endswith(TRACEBACK_HEADER) for line in lines):
        return []
    start = next(
        i
        for i, line in enumerate(lines)
        if line.strip() == TRACEBACK_HEADER or line.strip().endswith(TRACEBACK_HEADER)
    )
    out: list[ParsedException] = []
    frames: list[Frame] = []
    pending: ParsedException | None = None  # exception whose value may continue on the next lines
    i = start
    while i < len(lines):
        raw = lines[i]
        line = raw.strip()
        i += 1
        if not line:
            pending = None
            continue
        if line.endswith(TRACEBACK_HEADER):
            frames, pending = [], None
            continue
        if line in _CHAIN_SEPARATORS:
            frames, pending = [], None
            continue
        m = _FRAME.match(raw)
        if m:
            pending = None
            filename, module, in_app, package = describe_path(m["path"])
            frame = Frame(
                abs_path=m["path"],
                lineno=int(m["lineno"]),
                function=(m["function"] or "").strip() or None,
                filename=filename,
                module=module,
                in_app=in_app,
                package=package,
            )
            # The source line follows, indented deeper, unless the file was not readable.
            if i < len(lines) and lines[i].startswith("    ") and not _FRAME.match(lines[i]):
                frame.context_line = lines[i].strip()
                i += 1
            while i < len(lines) and _CARETS.match(lines[i]):
                i += 1
            frames.append(frame)
            continue
        if _CARETS.match(raw) or _REPEATED.match(raw):
            continue
        if raw[:1].isspace() and pending is None:
            continue  # stray indented text inside a stack
        if pending is not None and not frames:
            # continuation of a multi-line exception value (e.g. a message with newlines)
            pending.value = (pending.value + "\n" + raw) if pending.value else raw
            continue
        m = _EXC_LINE.match(line)
        if m and (frames or out or line.count(" ") == 0 or ":" in line):
            type_name, module = _split_type(m["type"])
            exc = ParsedException(type=type_name, value=m["value"], module=module, frames=frames)
            out.append(exc)
            frames, pending = [], exc
            continue
        if pending is None and not frames and out:
            break  # text after the traceback (e.g. the next log message)
    return out


def event_id_for(record_id: str) -> str:
    """Event id of the error event made from a log record: md5 of the record id."""
    return hashlib.md5(record_id.encode("utf-8")).hexdigest()


def sentry_event(
    record_id: str,
    exception_text: str,
    *,
    timestamp: str | None,
    level: str | None = None,
    logger: str | None = None,
    message: str | None = None,
    service: str | None = None,
    release: str | None = None,
    environment: str | None = None,
    trace_id: str | None = None,
    span_id: str | None = None,
    exception_type: str | None = None,
    exception_value: str | None = None,
) -> dict | None:
    """A Sentry-shaped event (dict) for the traceback in `exception_text`, or None when there is none.

    `exception_type` / `exception_value` (OpenTelemetry's `exception.type` / `exception.message`) make an
    event without frames when the text is not a Python traceback (another language's stack trace)."""
    exceptions = [e.as_sentry() for e in parse_traceback(exception_text)]
    platform = "python"
    if not exceptions and exception_type:
        exceptions, platform = [{"type": exception_type, "value": exception_value}], "other"
    if not exceptions:
        return None
    event: dict = {
        "event_id": event_id_for(record_id),
        "timestamp": timestamp,
        "platform": platform,
        "level": (level or "error").lower(),
        "logger": logger,
        "exception": {"values": exceptions},
    }
    if message:
        event["logentry"] = {"formatted": message}
        event["message"] = message
    if release:
        event["release"] = release
    if environment:
        event["environment"] = environment
    if service:
        event["tags"] = {"service": service}
    if trace_id or span_id:
        event["contexts"] = {"trace": {k: v for k, v in (("trace_id", trace_id), ("span_id", span_id)) if v}}
    return {k: v for k, v in event.items() if v is not None}


def sentry_event_json(*args, **kwargs) -> str | None:
    event = sentry_event(*args, **kwargs)
    return None if event is None else json.dumps(event, ensure_ascii=False)
