"""Change features per commit: Kamei et al.'s 14 plus what only Hindsight knows (AI lines, production, rules).

Groups (names are the model's feature names; sql/reference/60_risk.md defines each):

- standard (Kamei et al., TSE 2013): size `la ld lt` · diffusion `ns nd nf entropy` · purpose `fix` ·
  history `ndev age nuc` · experience `exp rexp sexp`
- ai: `ai_lines` and `ai_lines_<tool>` for every tool of the contract (git-ai notes line by line, else
  the commit's AI-authored marker)
- production (as of the day before the commit): `prod_files prod_functions prod_clusters prod_events
  prod_incidents` — changed files/functions that were crash sites, their clusters, events, incidents
- pack: `pack_findings` — findings of the current rule pack on the added lines, counting only rules
  whose production evidence predates the commit

Everything runs as SQL over temp tables (`risk_src_*`) that hold the stored history of one repository,
plus — for a change under review — the commits that are not ingested yet (`NewChanges`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import polars as pl

from models.risk.labels import FIX_PATTERN
from models.warehouse import execute, read_sql, registered, run_sql_file

STANDARD = ["la", "ld", "lt", "ns", "nd", "nf", "entropy", "fix", "ndev", "age", "nuc", "exp", "rexp", "sexp"]
AI_TOOLS = ["claude_code", "copilot_agent", "copilot", "cursor", "aider", "codex", "devin", "jules", "amp",
            "opencode", "generic"]  # fmt: skip
AI = ["ai_lines", *[f"ai_lines_{t}" for t in AI_TOOLS]]
PRODUCTION = ["prod_files", "prod_functions", "prod_clusters", "prod_events", "prod_incidents"]
PACK = ["pack_findings"]
GROUPS = {"standard": STANDARD, "ai": AI, "production": PRODUCTION, "pack": PACK}
ALL_FEATURES = [*STANDARD, *AI, *PRODUCTION, *PACK]
FEATURES_CODE_VERSION = 1  # bump when a feature's definition changes: stored feature sets are recomputed

COMMIT_SCHEMA = {
    "sha": pl.Utf8, "author_key": pl.Utf8, "committed_at": pl.Datetime("us"), "message": pl.Utf8,
    "is_merge": pl.Boolean, "ai_authored": pl.Boolean, "ai_tool": pl.Utf8,
}  # fmt: skip
FILE_SCHEMA = {"sha": pl.Utf8, "path": pl.Utf8, "old_path": pl.Utf8, "added": pl.Int64, "deleted": pl.Int64}
HUNK_SCHEMA = {
    "sha": pl.Utf8, "path": pl.Utf8, "new_start": pl.Int32, "new_lines": pl.Int32, "old_start": pl.Int32,
    "old_lines": pl.Int32, "function": pl.Utf8,
}  # fmt: skip
RANGE_SCHEMA = {
    "sha": pl.Utf8, "path": pl.Utf8, "line_start": pl.Int32, "line_end": pl.Int32, "author_kind": pl.Utf8,
    "ai_tool": pl.Utf8,
}  # fmt: skip
FINDING_SCHEMA = {"sha": pl.Utf8, "rule_id": pl.Utf8, "path": pl.Utf8, "line": pl.Int32}
CRASH_SITE_SCHEMA = {
    "path": pl.Utf8,
    "function": pl.Utf8,
    "cluster_id": pl.Utf8,
    "day": pl.Date,
    "events": pl.Int64,
}
INCIDENT_SCHEMA = {"cluster_id": pl.Utf8, "incident_id": pl.Utf8, "started_at": pl.Datetime("us")}


@dataclass
class Production:
    """What production showed about a repository: crash sites per day, and incidents linked to clusters."""

    crash_sites: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CRASH_SITE_SCHEMA))
    incident_links: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=INCIDENT_SCHEMA))

    def to_dict(self) -> dict:
        return {
            "crash_sites": self.crash_sites.with_columns(pl.col("day").cast(pl.Utf8)).to_dicts(),
            "incident_links": self.incident_links.with_columns(pl.col("started_at").cast(pl.Utf8)).to_dicts(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Production:
        sites = pl.DataFrame(data.get("crash_sites") or [], schema={**CRASH_SITE_SCHEMA, "day": pl.Utf8})
        links = pl.DataFrame(
            data.get("incident_links") or [], schema={**INCIDENT_SCHEMA, "started_at": pl.Utf8}
        )
        return cls(
            sites.with_columns(pl.col("day").str.to_date()),
            links.with_columns(pl.col("started_at").str.to_datetime(time_unit="us", strict=False)),
        )


def load_production(con: duckdb.DuckDBPyConnection, repo: str) -> Production:
    """Crash sites and incident links of `repo` from the warehouse."""
    sites = con.sql(read_sql("queries/risk/select_crash_sites"), params={"repo": repo}).pl()
    links = con.sql(read_sql("queries/risk/select_incident_links")).pl()
    return Production(
        sites.cast(CRASH_SITE_SCHEMA) if sites.height else Production().crash_sites,
        links.cast(INCIDENT_SCHEMA) if links.height else Production().incident_links,
    )


@dataclass
class NewChanges:
    """Commits under review that the warehouse does not hold (same columns as the stored history)."""

    commits: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=COMMIT_SCHEMA))
    files: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FILE_SCHEMA))
    hunks: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=HUNK_SCHEMA))
    ai_ranges: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=RANGE_SCHEMA))
    findings: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FINDING_SCHEMA))


_REGISTERED = {"commits": COMMIT_SCHEMA, "files": FILE_SCHEMA, "hunks": HUNK_SCHEMA, "ai_ranges": RANGE_SCHEMA,
               "findings": FINDING_SCHEMA}  # fmt: skip


def _inputs(new: NewChanges, production: Production) -> dict[str, pl.DataFrame]:
    """The frames the feature SQL reads, by the names it reads them under."""
    inputs = {f"risk_new_{name}": getattr(new, name).select(list(schema)).cast(schema) for name, schema in _REGISTERED.items()}
    inputs["risk_crash_sites"] = production.crash_sites.select(list(CRASH_SITE_SCHEMA))
    inputs["risk_incident_links"] = production.incident_links.select(list(INCIDENT_SCHEMA))
    return inputs


def _prepare(con: duckdb.DuckDBPyConnection, repo: str, targets: list[str] | None, pack_version: str | None) -> None:
    params = {"repo": repo}
    run_sql_file(con, "queries/risk/create_src_commits", params)
    if targets is None:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE risk_targets AS SELECT sha FROM risk_src_commits WHERE NOT is_merge"
        )
    else:
        execute(
            con, "CREATE OR REPLACE TEMP TABLE risk_targets AS SELECT DISTINCT sha FROM risk_targets_in",
            risk_targets_in=pl.DataFrame({"sha": targets}, schema={"sha": pl.Utf8}),
        )
    run_sql_file(con, "queries/risk/create_src_files", params)
    run_sql_file(con, "queries/risk/create_src_hunks", params)
    run_sql_file(con, "queries/risk/create_src_ai_ranges", params)
    run_sql_file(con, "queries/risk/create_src_findings", {**params, "pack": pack_version})


def _drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("risk_src_commits", "risk_src_files", "risk_src_hunks", "risk_src_ai_ranges", "risk_src_findings",
                  "risk_targets"):  # fmt: skip
        con.execute(f"DROP TABLE IF EXISTS temp.{table}")


def compute_features(
    con: duckdb.DuckDBPyConnection,
    repo: str,
    *,
    targets: list[str] | None = None,
    new: NewChanges | None = None,
    pack_version: str | None = None,
    production: Production | None = None,
) -> pl.DataFrame:
    """Features of `targets` (default: every non-merge commit), in time order.

    Columns: sha, committed_at, every name of ALL_FEATURES (floats), and evidence for reasons:
    `prod_cluster_ids`, `prod_paths`, `pack_rules`, `ai_tools`. `production` defaults to the warehouse's.
    """
    production = production if production is not None else load_production(con, repo)
    with registered(con, **_inputs(new or NewChanges(), production)):
        try:
            _prepare(con, repo, targets, pack_version)
            base = con.sql(
                read_sql("queries/risk/select_features_standard"), params={"fix_pattern": FIX_PATTERN}
            ).pl()
            ai = con.sql(read_sql("queries/risk/select_features_ai")).pl()
            prod = con.sql(read_sql("queries/risk/select_features_production")).pl()
            pack = con.sql(read_sql("queries/risk/select_features_pack")).pl()
        finally:
            _drop_temp(con)
    out = base
    if ai.height:
        wide = ai.with_columns(pl.lit("ai_lines_") + pl.col("tool")).pivot(
            "literal", index="sha", values="lines", aggregate_function="sum"
        )
        tools = ai.group_by("sha").agg(pl.col("tool").unique().sort().alias("ai_tools"))
        out = out.join(wide, on="sha", how="left").join(tools, on="sha", how="left")
    if "ai_tools" not in out.columns:
        out = out.with_columns(pl.lit(None, dtype=pl.List(pl.Utf8)).alias("ai_tools"))
    for name in AI[1:]:
        if name not in out.columns:
            out = out.with_columns(pl.lit(0.0).alias(name))
    out = out.with_columns(pl.sum_horizontal([pl.col(n).fill_null(0.0) for n in AI[1:]]).alias("ai_lines"))
    prod = prod.rename({"clusters": "prod_cluster_ids", "paths": "prod_paths"})
    out = out.join(prod, on="sha", how="left").join(
        pack.rename({"rules": "pack_rules"}), on="sha", how="left"
    )
    out = out.with_columns([pl.col(n).cast(pl.Float64).fill_null(0.0) for n in ALL_FEATURES])
    return out.select(
        "sha", "committed_at", *ALL_FEATURES, "prod_cluster_ids", "prod_paths", "pack_rules", "ai_tools"
    )
