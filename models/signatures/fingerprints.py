"""Error fingerprints in the spirit of Sentry's `newstyle:2023-01-11` grouping, computed in DuckDB SQL.

`fingerprint_events(con, config)` fingerprints every event of `core.events` that has no row in
`core.event_fingerprints` yet, or one made by another grouping configuration (versions.py). The steps are SQL files under `sql/queries/signatures/` (temp tables
`fp_*`): frame values → stack-trace rules and recursion → per-exception values → exception-group
selection → app/system/message variant → fingerprint rules / SDK fingerprint → md5 of the contributing
values in tree order. Only events that contain an exception *group* (rare) get a small Python step:
Sentry's tree walk over `exception_id`/`parent_id` (`select_exception_groups`).

`fingerprint_event(event_row_tables)` is deliberately absent: single events go through the same SQL on
an in-memory warehouse (see `tests/signatures`), so there is one implementation of the semantics.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from models.config import Config
from models.signatures.parameterize import install as install_macros
from models.signatures.rules import (
    FingerprintRule,
    StacktraceRule,
    all_of,
    event_predicate,
    frame_predicate,
    parse_fingerprint_rule,
    parse_stacktrace_rule,
)
from models.signatures.versions import fingerprint_grouping, register
from models.warehouse import execute, read_sql, run_sql_file, unit_of_work

Q = "queries/signatures/"
_TEMP = (
    "fp_todo",
    "fp_frames_base",
    "fp_stack_keys",
    "fp_stacks",
    "fp_exceptions",
    "fp_selection",
    "fp_default",
    "fp_rule_match",
)


def _direction_window(column: str, direction: str) -> str:
    frame = (
        "UNBOUNDED PRECEDING AND 1 PRECEDING" if direction == "^" else "1 FOLLOWING AND UNBOUNDED FOLLOWING"
    )
    # only generated when a rule uses ^ / v (a window over the frames is costly, so not by default)
    return (
        f"coalesce(bool_or({column}) OVER (PARTITION BY event_id, exception_index ORDER BY frame_index "
        f"ROWS BETWEEN {frame}), false)"
    )


def frames_sql(rules: list[StacktraceRule]) -> tuple[str, list]:
    """`create_fp_stack_keys.sql` with the matcher columns and flag expressions of the stack-trace rules."""
    matches, params = [], []
    cases: dict[str, list[str]] = {"app": [], "group": []}
    for k, rule in enumerate(rules):
        pred, ps = all_of([frame_predicate(m) for m in rule.matchers])
        matches.append(f", coalesce({pred}, false) AS m{k}")
        params.extend(ps)
        for action in rule.actions:
            cond = f"m{k}" if not action.direction else _direction_window(f"m{k}", action.direction)
            cases[action.flag].append(f"WHEN {cond} THEN {str(action.value).lower()}")
    # the last rule that applies wins: test rules from last to first
    app = (
        "CASE " + " ".join(reversed(cases["app"])) + " ELSE coalesce(in_app, false) END"
        if cases["app"]
        else "coalesce(in_app, false)"
    )
    grp = "CASE " + " ".join(reversed(cases["group"])) + " ELSE true END" if cases["group"] else "true"
    sql = read_sql(Q + "create_fp_stack_keys").format(matches="".join(matches), app=app, grp=grp)
    return sql, params


def _exception_group_selection(rows: list[tuple]) -> list[tuple[str, int, int]]:
    """Sentry's `_filter_exceptions_for_exception_groups` for the events that have exception groups.

    rows: (event_id, exception_index, exception_id, parent_id, type, is_group, component_hash) in
    Sentry order. Returns (event_id, exception_index, ord) of the exceptions that take part.
    """
    out: list[tuple[str, int, int]] = []
    by_event: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        by_event[row[0]].append(row)
    for event_id, excs in by_event.items():
        selected = _select_one(excs)
        out.extend((event_id, exc[1], i) for i, exc in enumerate(selected))
    return out


def _select_one(excs: list[tuple]) -> list[tuple]:
    if len(excs) <= 1 or any(e[2] is None for e in excs):
        return excs
    node_exc: dict[int, tuple] = {}
    children: dict[int, list[tuple]] = defaultdict(list)
    for exc in reversed(excs):
        node_exc[exc[2]] = exc
        if exc[3] is not None:
            children[exc[3]].append(exc)
    if 0 not in node_exc:
        return excs

    def top_level(exc, seen):  # `seen` (exception_index) guards against cycles in malformed trees
        if exc[1] in seen:
            return
        seen.add(exc[1])
        if exc[5]:
            for child in children.get(exc[2], []):
                yield from top_level(child, seen)
        else:
            yield exc

    def first_path(exc, seen):
        while exc is not None and exc[1] not in seen:
            seen.add(exc[1])
            yield exc
            kids = children.get(exc[2], [])
            exc = kids[0] if kids else None

    root = node_exc[0]
    top = sorted(top_level(root, set()), key=lambda e: str(e[4]), reverse=True)
    distinct = [next(g) for _, g in itertools.groupby(top, key=lambda e: e[6])]
    if len(distinct) == 1:
        return list(first_path(distinct[0], set()))
    return distinct + [root]


def _rule_match(con: duckdb.DuckDBPyConnection, rules: list[FingerprintRule]) -> pa.Table:
    cases, params = [], []
    for k, rule in enumerate(rules):
        pred, ps = all_of([event_predicate(m) for m in rule.matchers])
        cases.append(f"WHEN {pred} THEN {k}")
        params.extend(ps)
    cases_sql = " ".join(cases) if cases else "WHEN false THEN 0"
    con.execute(read_sql(Q + "create_fp_rule_match").format(cases=cases_sql), params)
    return pa.table(
        {
            "rule_no": pa.array(range(len(rules)), pa.int32()),
            "vals": pa.array([list(r.extra) for r in rules], pa.list_(pa.string())),
            "has_default": pa.array([r.has_default for r in rules], pa.bool_()),
        }
    )


BATCH_EVENTS = 500_000  # events per pass: bounds the memory of the temp tables on a big backlog


def _fingerprint_batch(con, fp_rules, st_rules, batch: int, version: str) -> int:
    """One pass over at most `batch` events without a fingerprint of `version`, in one transaction."""
    try:
        with unit_of_work(con):
            run_sql_file(con, Q + "create_fp_todo", {"batch": batch, "version": version})
            count = con.execute("SELECT count(*) FROM fp_todo").fetchone()[0]
            if count:
                run_sql_file(con, Q + "create_fp_frames_base")
                sql, params = frames_sql(st_rules)
                con.execute(sql, params)
                run_sql_file(con, Q + "create_fp_stacks")
                run_sql_file(con, Q + "create_fp_exceptions")
                run_sql_file(con, Q + "create_fp_selection")
                groups = con.execute(read_sql(Q + "select_fp_exception_groups")).fetchall()
                if groups:
                    sel = _exception_group_selection(groups)
                    execute(
                        con, "INSERT INTO fp_selection SELECT event_id, exception_index, ord FROM fp_group_sel",
                        fp_group_sel=pa.table(
                            {
                                "event_id": [s[0] for s in sel],
                                "exception_index": pa.array([s[1] for s in sel], pa.int32()),
                                "ord": pa.array([s[2] for s in sel], pa.int32()),
                            }
                        ),
                    )
                run_sql_file(con, Q + "create_fp_default")
                rule_values = _rule_match(con, fp_rules)
                regrouping = con.execute("SELECT bool_or(old_fingerprint IS NOT NULL) FROM fp_todo").fetchone()[0]
                insert = read_sql(Q + "insert_event_fingerprints")
                if regrouping:
                    insert = insert.replace("INSERT INTO", "INSERT OR REPLACE INTO", 1)
                execute(con, insert, {"version": version}, fp_rule_values=rule_values)
                if regrouping:
                    now = datetime.now(UTC).replace(tzinfo=None)
                    run_sql_file(con, Q + "insert_fingerprint_lineage", {"version": version, "now": now})
    finally:
        for table in _TEMP:
            con.execute(f"DROP TABLE IF EXISTS temp.{table}")
    return count


def fingerprint_events(
    con: duckdb.DuckDBPyConnection, config: Config | None = None, *, batch: int = BATCH_EVENTS
) -> int:
    """Fingerprint every event without a fingerprint of the current grouping version (in passes of
    `batch` events); returns how many. Events fingerprinted under another configuration (changed
    rules, a new algorithm) are fingerprinted again; those whose fingerprint changes are recorded in
    `core.signature_lineage`, so their clusters carry over."""
    config = config or Config()
    fp_rules = [parse_fingerprint_rule(r) for r in config.fingerprint_rules]
    st_rules = [parse_stacktrace_rule(r) for r in config.stacktrace_rules]
    install_macros(con)
    version = register(con, fingerprint_grouping(config))
    total = 0
    while True:
        done = _fingerprint_batch(con, fp_rules, st_rules, batch, version)
        total += done
        if done < batch:
            return total
