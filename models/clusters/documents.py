"""Signatures (error fingerprints and error-level log templates) and the token documents compared.

A document is a list of prefixed tokens, so that the same word means different things in different
places: `T:` exception type, `S:` crash site (file stem + function), `L:` a normalised context line,
`F:` an in-app frame, `C:` a word of the crash-site code, `M:` a word of the parameterized message.
Line numbers are never used (they move with every edit); file *stems* are used instead of paths so
that a log traceback (`/app/shop/payments.py`) and an SDK frame (`shop/payments.py`, module
`shop.payments`) name the same place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from models.signatures.parameterize import install as install_parameterize
from models.warehouse import read_sql, run_sql_file

_WORD = re.compile(r"[A-Za-z_][A-Za-z_]+")
_PLACEHOLDER = re.compile(r"<[A-Za-z*]+>")
_SPACE = re.compile(r"\s+")
_CODE_WORD = re.compile(r"\w+")
_MAX_CONTEXT = 120  # Sentry ignores longer context lines (minified code)


@dataclass
class Signature:
    signature: str
    kind: str  # 'fingerprint' | 'template'
    event_count: int
    exception_type: str | None = None
    crash_file: str | None = None
    crash_function: str | None = None
    crash_context: str | None = None
    crash_path: str | None = None
    title: str | None = None
    message: str = ""  # raw "Type: value" + message, or the template text (read by the class rules)
    code: str = ""  # context lines of in-app frames (+ crash-site pre-context), for the class rules
    tokens: list[str] = field(default_factory=list)
    representative_event_id: str | None = None
    linked_fingerprint: str | None = None  # templates: the fingerprint their records' events carry
    failure_class: str = "unknown"
    class_rule: str | None = None

    @property
    def has_crash_site(self) -> bool:
        return self.crash_file is not None

    @property
    def crash_code_key(self) -> str | None:
        """The crash line's words only: a reformatted line (quotes, spacing, wrapping) keeps its key."""
        return code_key(self.crash_context)


def register_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Temp macros on this connection: the signatures stage's `hs_parameterize` (one implementation of
    Sentry's message parameterization for the whole platform) and our `hs_match_key` on top of it."""
    install_parameterize(con)
    run_sql_file(con, "queries/clusters/create_match_key_macro")


def normalize_type(exc_type: str | None) -> str | None:
    """`requests.exceptions.ReadTimeout` and `ReadTimeout` are the same type name."""
    if not exc_type or not exc_type.strip():
        return None
    return exc_type.strip().rsplit(".", 1)[-1]


def normalize_context(line: str | None) -> str | None:
    if not line:
        return None
    line = _SPACE.sub(" ", line).strip()
    return line if line and len(line) <= _MAX_CONTEXT else None


def code_key(line: str | None) -> str | None:
    return " ".join(_CODE_WORD.findall(line)) or None if line else None


def file_stem(path: str | None, module: str | None) -> str | None:
    if path:
        base = path.replace("\\", "/").rsplit("/", 1)[-1]
        stem = base.rsplit(".", 1)[0] if "." in base else base
        if stem:
            return stem.lower()
    if module:
        return module.rsplit(".", 1)[-1].lower()
    return None


def source_path(frame: dict) -> str | None:
    """The crash site's file as the repository likely names it: from the module when known
    (`shop.payments` -> `shop/payments.py`, independent of where the code was deployed), else the
    reported relative filename."""
    module = frame.get("module")
    if module and all(part.isidentifier() for part in module.split(".")):
        return module.replace(".", "/") + ".py"
    return frame.get("relpath") or frame.get("filename")


def words(text: str | None) -> list[str]:
    """Lower-cased words of a text without placeholders; tokens with digits never count."""
    if not text:
        return []
    return [w.lower() for w in _WORD.findall(_PLACEHOLDER.sub(" ", text))]


def _frame_tokens(frames: list[dict]) -> tuple[list[str], dict | None, list[str]]:
    """Tokens of the in-app frames (system frames when none is in-app), the crash frame, code lines."""
    app = [f for f in frames if f.get("in_app")] or frames
    tokens: list[str] = []
    code: list[str] = []
    previous = None
    for f in app:
        stem = file_stem(f.get("filename"), f.get("module"))
        func = (f.get("function") or "?").strip()
        ctx = normalize_context(f.get("context_line"))
        key = (stem, func, ctx)
        if key == previous:  # recursion: a frame equal to the previous one is skipped
            continue
        previous = key
        tokens.append(f"F:{stem}.{func}")
        if ctx:
            tokens.append(f"L:{ctx}")
            code.append(ctx)
    crash = app[-1] if app else None
    if crash:
        code.extend(normalize_context(x) or "" for x in (crash.get("pre_context") or [])[-3:])
    return tokens, crash, code


def _fingerprint_signature(row: dict) -> Signature:
    exc_type = normalize_type(row["exception_type"])
    frame_tokens, crash, code = _frame_tokens(row["frames"] or [])
    message = row["param_value"] or row["param_message"] or ""  # parameterized: for tokens and title
    sig = Signature(
        signature=row["signature"],
        kind="fingerprint",
        event_count=int(row["n_events"]),
        exception_type=exc_type,
        title=row["title"] or (f"{exc_type}: {message}" if exc_type else message)[:200],
        # the class rules read the raw (scrubbed) text: parameterization would hide "exit status 127"
        message="\n".join(
            x
            for x in (
                f"{row['exception_type']}: {row['exception_value'] or ''}" if row["exception_type"] else "",
                row["message"] or "",
            )
            if x
        ),
        code="\n".join(c for c in code if c),
        representative_event_id=row["rep_event_id"],
    )
    tokens: list[str] = []
    if exc_type:
        tokens += [f"T:{exc_type}"] * 2
    if crash:
        sig.crash_file = file_stem(crash.get("filename"), crash.get("module"))
        sig.crash_function = (crash.get("function") or "?").strip()
        sig.crash_context = normalize_context(crash.get("context_line"))
        sig.crash_path = source_path(crash)
        tokens += [f"S:{sig.crash_file}.{sig.crash_function}"] * 2
        tokens += [f"C:{w}" for w in words(sig.crash_context)]
    tokens += frame_tokens
    tokens += [f"M:{w}" for w in words(message)]
    sig.tokens = tokens
    return sig


def _template_signature(row: dict) -> Signature:
    text = row["template"] or ""
    return Signature(
        signature=row["signature"],
        kind="template",
        # records that became events are counted through their fingerprint, not twice
        event_count=int(row["n_records_without_event"]),
        title=text[:200],
        message=text,
        tokens=[f"M:{w}" for w in words(text)],
        linked_fingerprint=row["linked_fingerprint"],
    )


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params) if params is not None else con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def load_signatures(con: duckdb.DuckDBPyConnection, error_levels: tuple[str, ...]) -> list[Signature]:
    """Every signature of the warehouse, fingerprints first, each with its document."""
    register_macros(con)
    fp_sql = (
        "SELECT *, hs_parameterize(exception_value) AS param_value, hs_parameterize(message) AS param_message"
        f" FROM ({read_sql('queries/clusters/select_fingerprint_signatures')})"
    )
    sigs = [_fingerprint_signature(r) for r in _rows(con, fp_sql)]
    tpl_sql = read_sql("queries/clusters/select_template_signatures")
    for row in _rows(con, tpl_sql, [list(error_levels)]):
        if row["n_records_without_event"] == 0 and row["linked_fingerprint"] is None:
            continue  # a generic line over tracebacks of several bugs: its records cluster through their events
        sigs.append(_template_signature(row))
    return sigs
