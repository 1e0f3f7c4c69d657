"""CLI commands of the risk stage: `hindsight review`, `hindsight risk train`, `hindsight risk export-model`."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

risk_app = typer.Typer(help="Change risk: per-repository just-in-time defect models.", no_args_is_help=True)


class Format(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    markdown = "markdown"


class FailOn(str, Enum):
    never = "never"
    medium = "medium"
    high = "high"


def _fail(message: str, code: int = 2) -> None:
    Console(stderr=True).print(f"[red]{escape(message)}[/red]")
    raise typer.Exit(code)


def _repo_path(config, name: str, override: Path | None) -> Path:
    if override is not None:
        return override
    for r in config.repositories:
        if r.name == name:
            return r.path
    return Path(".")


def review(
    ctx: typer.Context,
    repo: str = typer.Option(
        ..., "--repo", help="Configured repository name (or the model file's repository)."
    ),
    base: str = typer.Option(..., "--base", help="Base revision, e.g. origin/main."),
    head: str = typer.Option("HEAD", "--head", help="Head revision of the change."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the report here instead of stdout."
    ),
    sarif_output: Path | None = typer.Option(
        None, "--sarif-output", help="Also write the SARIF report to this file."
    ),
    model_file: Path | None = typer.Option(
        None,
        "--model",
        help="A model file (from a rule pack's risk/ folder): review without a warehouse, e.g. in CI.",
    ),
    pack_dir: Path | None = typer.Option(
        None,
        "--pack",
        help="Rule-pack folder to scan the change with [default: the warehouse's current pack].",
    ),
    no_pack: bool = typer.Option(False, "--no-pack", help="Do not run the rule pack (semgrep, ruff)."),
    path: Path | None = typer.Option(
        None, "--path", help="Repository path [default: from hindsight.toml, else .]"
    ),
    fail_on: FailOn = typer.Option(
        FailOn.never, "--fail-on", help="Exit 1 when the change set's risk is at least this level."
    ),
) -> None:
    """Score a change (base..head) before it ships: risk per commit and for the whole change set, with reasons."""
    import duckdb

    from models.config import RepositoryConfig
    from models.history import ingest_repository
    from models.history.git import GitError
    from models.risk import report
    from models.risk.findings import current_pack, load_pack
    from models.risk.review import ReviewError, load_model_file, model_summary, review_change
    from models.risk.service import commit_url, latest_model
    from models.warehouse import connect, ensure_schema
    from models.warehouse.snapshot import readable_database

    config = ctx.obj.config
    repo_path = _repo_path(config, repo, path)
    pack = None
    if pack_dir is not None and not no_pack:
        if not (pack_dir / "manifest.json").is_file():
            _fail(f"{pack_dir} is not a rule-pack folder (no manifest.json)")
        pack = load_pack(pack_dir)
    try:
        if model_file is not None:
            file_repo, model, production, info = load_model_file(model_file)
            if file_repo != repo:
                _fail(f"{model_file} is the model of repository {file_repo!r}, not {repo!r}")
            con = duckdb.connect(":memory:")
            ensure_schema(con)
            ingest_repository(con, RepositoryConfig(name=repo, path=repo_path, default_branch=base))
        else:
            warehouse = Path(ctx.obj.warehouse)
            if not warehouse.exists():
                _fail(
                    f"no warehouse at {warehouse}: run the pipeline first (`hindsight run`), or pass --model FILE"
                )
            con = connect(readable_database(warehouse), read_only=True)
            stored = latest_model(con, repo)
            if stored is None:
                _fail(
                    f"no risk model for repository {repo!r} yet: run `hindsight risk train --repo {repo}` "
                    "(or `hindsight run`), which needs commits labelled by production failures or fix commits"
                )
            model, production, info = stored.model, None, model_summary(stored.model, stored)
            if pack is None and not no_pack:
                pack = current_pack(con)
        try:
            result = review_change(
                con, repo, repo_path, base, head, model, model_info=info, production=production, pack=pack
            )
        finally:
            con.close()
    except (ReviewError, GitError) as exc:
        _fail(str(exc))
    rendered = {
        Format.text: lambda: report.text(result),
        Format.json: lambda: report.as_json(result),
        Format.sarif: lambda: json.dumps(report.sarif(result), indent=1),
        Format.markdown: lambda: report.markdown(result, commit_url(config, repo)),
    }[fmt]()
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(rendered, encoding="utf-8")
    else:
        typer.echo(rendered, nl=False)
    if sarif_output is not None:
        sarif_output.parent.mkdir(parents=True, exist_ok=True)
        sarif_output.write_text(json.dumps(report.sarif(result), indent=1), encoding="utf-8")
    levels = {"low": 0, "medium": 1, "high": 2}
    if (
        fail_on != FailOn.never
        and result.change_set
        and levels[result.change_set.level] >= levels[fail_on.value]
    ):
        raise typer.Exit(1)


@risk_app.command("train")
def train_cmd(
    ctx: typer.Context,
    repo: str | None = typer.Option(None, "--repo", help="Only this configured repository."),
    force: bool = typer.Option(False, "--force", help="Retrain even when no input changed."),
) -> None:
    """Read new hunks, run SZZ on new fix commits, scan with the rule pack, retrain and rescore (incremental)."""
    from models.errors import ConfigError, GitError
    from models.risk.service import update_all
    from models.warehouse import connect

    config = ctx.obj.config
    if not config.repositories:
        _fail("No repositories configured. Add a [[repositories]] section to hindsight.toml.")
    if repo is not None and repo not in {r.name for r in config.repositories}:
        _fail(f"no repository named {repo!r} in the configuration")
    con = connect(ctx.obj.warehouse)
    try:
        results = update_all(con, config, repo=repo, force=force)
    except (GitError, ConfigError) as exc:  # a repository git cannot read, a [risk] setting that does not fit
        _fail(str(exc), 1)
    finally:
        con.close()
    for r in results:
        line = (
            f"{r['repo']}: {r['mode']}, model v{r['version']}"
            if r.get("version")
            else f"{r['repo']}: {r['mode']}"
        )
        line += (
            f", {r['n_train']} commits ({r['n_positive']} defect-inducing), {r['scored']} scored; "
            f"new hunks of {r['hunks']['commits']} commits, SZZ {r['szz'] or 'nothing new'}, "
            f"pack {r['pack'] or 'none'}; {r['seconds']} s"
        )
        typer.echo(line)
        if r.get("reason"):
            typer.echo(f"  {r['reason']}")


@risk_app.command("export-model")
def export_model(
    ctx: typer.Context,
    repo: str = typer.Option(..., "--repo", help="Configured repository name."),
    out: Path = typer.Option(..., "--out", "-o", help="Model file to write (JSON)."),
) -> None:
    """Write the repository's current model and production snapshot as one file for `review --model` (CI)."""
    from models.risk.features import load_production
    from models.risk.review import model_file_payload
    from models.risk.service import latest_model
    from models.warehouse import connect
    from models.warehouse.snapshot import readable_database

    warehouse = Path(ctx.obj.warehouse)
    if not warehouse.exists():
        _fail(f"no warehouse at {warehouse}: run the pipeline first (`hindsight run`)")
    con = connect(readable_database(warehouse), read_only=True)
    try:
        stored = latest_model(con, repo)
        if stored is None:
            _fail(f"no risk model for repository {repo!r} yet: run `hindsight risk train --repo {repo}`")
        payload = model_file_payload(repo, stored, load_production(con, repo))
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
    typer.echo(f"model v{stored.version} of {repo} written to {out}")


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the `hindsight` app."""
    app.command("review")(review)
    app.add_typer(risk_app, name="risk")
