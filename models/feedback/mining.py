"""Mining: from a crash-site line to a semgrep pattern of the construct that failed there.

For a crash site (file text at the failing revision, line), Python's `ast` finds the concrete
construct of the cluster's class - the callee without `timeout=`, the f-string passed to
`execute`, the subscript on a `.json()` result ... - and turns it into a semgrep pattern restricted
to that callee / method / key. Each class names its extractor here in its registry declaration
(`[mining] extractor`); a class whose defect precedes the crash line (swallowed exception, retry loop,
check-then-act) names an anchor and falls back to its catalog pattern confined to the crashing function.
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass

from models.failure_classes import registry
from models.feedback.catalog import matching_body

HTTP_VERBS = {"get", "post", "put", "patch", "delete", "head", "options", "request", "urlopen"}
SQL_METHODS = {"execute", "executemany", "executescript", "read_sql", "read_sql_query", "raw", "sql"}
NAIVE_DT = {"now", "utcnow", "today", "utcfromtimestamp", "fromtimestamp"}
UNBOUNDED = {"fetchall", "readlines", "read", "read_csv"}
OPENERS = {"open", "socket", "create_connection", "urlopen", "connect"}
_SIMPLE_CALLEE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


@dataclass(frozen=True)
class Construct:
    """One failing construct: a semgrep pattern alternative and where it should match."""

    key: str  # dedupe key within a cluster
    body: dict  # semgrep matching body (one `pattern-either` alternative)
    line: int  # 1-based line where the semgrep match starts in the failing file
    description: str  # trusted, from code identifiers only
    function: str | None  # enclosing function name


def _enclosing_function(tree: ast.AST, line: int) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    spans = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and _spans(n, line)]
    return max(spans, key=lambda n: n.lineno, default=None)  # the innermost one


def _spans(node: ast.AST, line: int) -> bool:
    return getattr(node, "lineno", 0) <= line <= (getattr(node, "end_lineno", 0) or 0)


def _callee(call: ast.Call) -> str | None:
    text = ast.unparse(call.func)
    return text if _SIMPLE_CALLEE.match(text) else None


def _attr(call: ast.Call) -> str | None:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None


def _kw(call: ast.Call, name: str) -> ast.keyword | None:
    return next((k for k in call.keywords if k.arg == name), None)


def _has_star_kwargs(call: ast.Call) -> bool:
    return any(k.arg is None for k in call.keywords)


def _assignment_of(scope: ast.AST, name: str, before: int) -> ast.Assign | None:
    """The last `name = ...` in `scope` before line `before`."""
    found = [n for n in ast.walk(scope) if isinstance(n, ast.Assign) and n.lineno < before
             and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)]
    return max(found, key=lambda n: n.lineno, default=None)


def _sql_arg_kind(arg: ast.AST) -> str | None:
    if isinstance(arg, ast.JoinedStr):
        return 'f"..."'
    if isinstance(arg, ast.BinOp) and isinstance(arg.left, (ast.Constant, ast.JoinedStr)):
        if isinstance(arg.op, ast.Mod):
            return '"..." % $X'
        if isinstance(arg.op, ast.Add):
            return '"..." + $X'
    if (isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "format"
            and isinstance(arg.func.value, ast.Constant)):
        return '"...".format(...)'
    return None


def _q(text: str) -> str:
    """A Python string literal for a semgrep pattern."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _calls_on(tree: ast.AST, line: int) -> list[ast.Call]:
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _spans(n, line)]
    return sorted(calls, key=lambda c: (c.end_lineno - c.lineno, c.end_col_offset - c.col_offset))


def http_call_without_timeout(tree, fn, line):
    for call in _calls_on(tree, line):
        callee, attr = _callee(call), _attr(call)
        if callee and attr in HTTP_VERBS and not _kw(call, "timeout") and not _has_star_kwargs(call):
            body = {"patterns": [{"pattern": f"{callee}(...)"}, {"pattern-not": f"{callee}(..., timeout=$T, ...)"},
                                 {"pattern-not": f"{callee}(..., **$KW)"}]}
            return Construct(f"http:{callee}", body, call.lineno, f"`{callee}(...)` without `timeout=`", fn)
    return None


def formatted_sql_call(tree, fn, line):
    for call in _calls_on(tree, line):
        attr = _attr(call)
        if attr not in SQL_METHODS or not call.args:
            continue
        arg = call.args[0]
        kind = _sql_arg_kind(arg)
        if kind:
            return Construct(f"sql:{attr}:{kind}", {"pattern": f"$C.{attr}({kind}, ...)"}, call.lineno,
                             f"`.{attr}()` of a query built with {kind}", fn)
        if isinstance(arg, ast.Name):
            scope = fn_node(tree, line) or tree
            assign = _assignment_of(scope, arg.id, call.lineno)
            kind = _sql_arg_kind(assign.value) if assign else None
            if kind:
                body = {"patterns": [{"pattern-inside": f"$Q = {kind}\n...\n"}, {"pattern": f"$C.{attr}($Q, ...)"}]}
                return Construct(f"sql:{attr}:var:{kind}", body, call.lineno,
                                 f"`.{attr}(query)` where the query was built with {kind}", fn)
    return None


def unchecked_json_key(tree, fn, line):
    subs = [n for n in ast.walk(tree) if isinstance(n, ast.Subscript) and _spans(n, line)]
    for sub in subs:
        key = sub.slice
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            continue
        k = _q(key.value)
        val = sub.value
        if isinstance(val, ast.Call) and _attr(val) == "json":
            return Construct(f"json:call:{key.value}", {"pattern": f"$R.json()[{k}]"}, sub.lineno,
                             f"`[{k}]` on a `.json()` result", fn)
        if isinstance(val, ast.Name):
            scope = fn_node(tree, line) or tree
            assign = _assignment_of(scope, val.id, sub.lineno)
            if assign and isinstance(assign.value, ast.Call) and _attr(assign.value) in ("json", "loads"):
                src = "$R.json()" if _attr(assign.value) == "json" else "json.loads(...)"
                body = {"patterns": [{"pattern-inside": f"$D = {src}\n...\n"}, {"pattern": f"$D[{k}]"},
                                     {"pattern-not-inside": f"if {k} in $D:\n    ...\n"}]}
                return Construct(f"json:var:{key.value}", body, sub.lineno,
                                 f"`payload[{k}]` on a payload from `{src}` without a check", fn)
    return None


def unclosed_resource(tree, fn, line):
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _spans(node, line) and isinstance(node.value, ast.Call):
            callee = _callee(node.value)
            if callee and _attr(node.value) in OPENERS and isinstance(node.targets[0], ast.Subscript):
                # a handle cached in a container: nothing in this scope will close it
                body = {"patterns": [{"pattern": f"$CACHE[$KEY] = {callee}(...)"},
                                     {"pattern-not-inside": "with $CTX:\n    ...\n"}]}
                return Construct(f"res:cache:{callee}", body, node.lineno,
                                 f"`cache[key] = {callee}(...)` never closed", fn)
            if callee and _attr(node.value) in OPENERS:
                body = {"patterns": [{"pattern": f"$F = {callee}(...)"},
                                     {"pattern-not-inside": f"$F = {callee}(...)\n...\n$F.close()\n"},
                                     {"pattern-not-inside": f"$F = {callee}(...)\n...\nreturn $F\n"},
                                     {"pattern-not-inside": "with $CTX:\n    ...\n"}]}
                return Construct(f"res:{callee}", body, node.lineno, f"`x = {callee}(...)` never closed", fn)
    return None


def retry_without_backoff(tree, fn, line):
    for call in _calls_on(tree, line):
        callee = _callee(call)
        if not callee or callee.split(".")[-1] != "Retry":
            continue
        factor = _kw(call, "backoff_factor")
        if factor is None:
            body = {"patterns": [{"pattern": f"{callee}(...)"}, {"pattern-not": f"{callee}(..., backoff_factor=$B, ...)"}]}
            return Construct(f"retry:{callee}:none", body, call.lineno, f"`{callee}(...)` without `backoff_factor`", fn)
        if isinstance(factor.value, ast.Constant) and factor.value.value == 0:
            return Construct(f"retry:{callee}:0", {"pattern": f"{callee}(..., backoff_factor=0, ...)"}, call.lineno,
                             f"`{callee}(..., backoff_factor=0)`", fn)
    return None


def shell_call(tree, fn, line):
    for call in _calls_on(tree, line):
        callee = _callee(call)
        if not callee:
            continue
        shell = _kw(call, "shell")
        if shell is not None and isinstance(shell.value, ast.Constant) and shell.value.value is True:
            return Construct(f"shell:{callee}", {"pattern": f"{callee}(..., shell=True, ...)"}, call.lineno,
                             f"`{callee}(..., shell=True)`", fn)
        if callee in ("os.system", "os.popen"):
            return Construct(f"shell:{callee}", {"pattern": f"{callee}(...)"}, call.lineno, f"`{callee}(...)`", fn)
    return None


def naive_datetime_call(tree, fn, line):
    scope = fn_node(tree, line)
    candidates = _calls_on(tree, line)
    if scope is not None:
        candidates += sorted((n for n in ast.walk(scope) if isinstance(n, ast.Call) and n.lineno <= line),
                             key=lambda c: -c.lineno)
    for call in candidates:
        callee, attr = _callee(call), _attr(call)
        if not callee or attr not in NAIVE_DT or _kw(call, "tz") or _kw(call, "tzinfo"):
            continue
        if attr in ("now", "today", "utcnow") and not call.args:
            return Construct(f"dt:{callee}", {"pattern": f"{callee}()"}, call.lineno, f"`{callee}()` (naive)", fn)
        if attr == "fromtimestamp" and len(call.args) == 1:
            return Construct(f"dt:{callee}", {"pattern": f"{callee}($TS)"}, call.lineno, f"`{callee}(ts)` (naive)", fn)
        if attr == "utcfromtimestamp":
            return Construct(f"dt:{callee}", {"pattern": f"{callee}(...)"}, call.lineno, f"`{callee}(...)` (naive)", fn)
    return None


def unbounded_read(tree, fn, line):
    for call in _calls_on(tree, line):
        callee, attr = _callee(call), _attr(call)
        if not callee or attr not in UNBOUNDED:
            continue
        if attr in ("fetchall", "readlines", "read") and not call.args and not call.keywords:
            return Construct(f"load:{callee}", {"pattern": f"{callee}()"}, call.lineno, f"`{callee}()` of everything", fn)
        if attr == "read_csv" and not _kw(call, "chunksize") and not _kw(call, "nrows"):
            body = {"patterns": [{"pattern": f"{callee}(...)"}, {"pattern-not": f"{callee}(..., chunksize=$N, ...)"}]}
            return Construct(f"load:{callee}", body, call.lineno, f"`{callee}(...)` without `chunksize=`", fn)
    return None


def plain_insert(tree, fn, line):
    for call in _calls_on(tree, line):
        attr = _attr(call)
        if attr not in ("execute", "executemany") or not call.args:
            continue
        arg = call.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            m = re.match(r"(?is)\s*insert\s+into\s+([A-Za-z_][A-Za-z0-9_.]*)", arg.value)
            if m and not re.search(r"(?i)\bon\s+conflict\b|\bor\s+ignore\b", arg.value):
                table = m.group(1)
                body = {"patterns": [{"pattern": f'$C.{attr}("$Q", ...)'}, {"metavariable-regex": {
                    "metavariable": "$Q",
                    "regex": rf"(?is)^\s*insert\s+into\s+{re.escape(table)}\b(?!.*\bon\s+conflict\b).*$"}}]}
                return Construct(f"idem:{attr}:{table}", body, call.lineno, f"plain `INSERT INTO {table}`", fn)
    return None


def fn_node(tree: ast.AST, line: int):
    return _enclosing_function(tree, line)


def enclosing_function(source: str | None, line: int):
    """The innermost function of `source` spanning `line` (None when none or unparsable)."""
    if not source:
        return None
    try:
        return _enclosing_function(ast.parse(source), line)
    except (SyntaxError, ValueError):
        return None


def broad_try(scope: ast.AST, line: int) -> int | None:
    """Anchor: the last `try` with a broad handler (bare, `Exception`, `BaseException`) before `line`."""
    tries = [n for n in ast.walk(scope) if isinstance(n, ast.Try) and n.lineno <= line]
    broad = [t for t in tries if any(h.type is None or ast.unparse(h.type) in ("Exception", "BaseException")
                                     for h in t.handlers)]
    return max((t.lineno for t in broad), default=None)


def enclosing_loop(scope: ast.AST, line: int) -> int | None:
    """Anchor: the innermost loop spanning `line`."""
    loops = [n for n in ast.walk(scope) if isinstance(n, (ast.For, ast.While)) and _spans(n, line)]
    return max((n.lineno for n in loops), default=None)


def enclosing_if(scope: ast.AST, line: int) -> int | None:
    """Anchor: the innermost `if` spanning `line` (the check of a check-then-act)."""
    ifs = [n for n in ast.walk(scope) if isinstance(n, ast.If) and _spans(n, line)]
    return max((n.lineno for n in ifs), default=None)


def extract_construct(failure_class: str, source: str, line: int) -> Construct | None:
    """The failing construct at `line` of `source` for a cluster of `failure_class`, if recognisable."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    fn = _enclosing_function(tree, line)
    fname = fn.name if fn else None
    declared = registry().get(failure_class)
    if declared is None:
        return None
    extractor = declared.extractor
    if extractor:
        found = extractor(tree, fname, line)
        if found:
            return found
    anchor = declared.anchor
    if fn is None or anchor is None:
        return None
    start = anchor(fn, line)
    if start is None:
        return None
    kw = "async def" if isinstance(fn, ast.AsyncFunctionDef) else "def"
    body = {"patterns": [{"pattern-inside": f"{kw} {fn.name}(...):\n    ...\n"}, matching_body(declared.rule)]}
    return Construct(f"scoped:{fn.name}", body, start, f"{failure_class.replace('_', ' ')} in `{fn.name}()`", fn.name)


def function_source(source: str, name: str | None, line: int | None = None) -> tuple[str, int] | None:
    """(text, first line) of the function `name` (the one spanning `line` when given)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    nodes = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name]
    if line is not None:
        nodes = [n for n in nodes if _spans(n, line)] or nodes
    if not nodes:
        return None
    node = nodes[0]
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    lines = source.splitlines()[start - 1 : node.end_lineno]
    return "\n".join(lines), start


def map_line(old: str, new: str, line: int) -> tuple[int, int] | None:
    """Lines of `new` that correspond to `line` of `old`: the same line when unchanged, the
    replacement lines when the fix changed it, None when it was deleted without replacement."""
    a, b = old.splitlines(), new.splitlines()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if i1 <= line - 1 < i2:
            if tag == "equal":
                n = j1 + (line - 1 - i1) + 1
                return n, n
            if tag == "replace":
                return j1 + 1, j2
            return None
    return None
