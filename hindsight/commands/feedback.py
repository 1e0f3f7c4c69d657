"""CLI commands of the feedback stage: `hindsight export rules|guidance`, `hindsight evaluate`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hindsight.errors import InputError, UsageError

export_app = typer.Typer(help="Export what production taught: rule packs and assistant guidance.", no_args_is_help=True)


def _open(ctx: typer.Context):
    from models.warehouse import connect

    warehouse = ctx.obj.warehouse
    if not Path(warehouse).exists():
        raise InputError(f"no warehouse at {warehouse}", "run the pipeline first (`hindsight run`), or name one with --warehouse")
    return connect(warehouse)


def _nothing_to_export(exc: ValueError) -> InputError:
    return InputError(str(exc), "ingest production data and run the pipeline (`hindsight run`) first")


@export_app.command("rules")
def export_rules(
    ctx: typer.Context,
    out: Path | None = typer.Option(None, "--out", "-o", help="Pack folder root [default: <exports>/rulepacks]"),
    force: bool = typer.Option(False, "--force", help="Release a new version even when nothing changed."),
) -> None:
    """Synthesize the rule pack and release it as OUT/<version>/ (semgrep, ruff, SARIF, README, CI files)."""
    from models.feedback import release_rules

    con = _open(ctx)
    try:
        pack, result = release_rules(con, ctx.obj.config, out, force=force)
    except ValueError as exc:
        raise _nothing_to_export(exc) from None
    finally:
        con.close()
    state = "released" if result.released else "unchanged (latest pack has the same rules)"
    typer.echo(f"rule pack {result.version} {state}: {result.path}")
    typer.echo(f"{len(pack.semgrep_rules)} semgrep rules, {len(pack.ruff_codes)} ruff codes, {len(pack.banned_api)} banned APIs")


@export_app.command("guidance")
def export_guidance(
    ctx: typer.Context,
    out: Path | None = typer.Option(None, "--out", "-o", help="Where to write the files [default: <pack>/guidance]"),
    into_repo: Path | None = typer.Option(None, "--into-repo", help="Also merge them into this repository."),
) -> None:
    """Write AGENTS.md, CLAUDE.md, GEMINI.md, Cursor, Copilot and Windsurf rules from production evidence."""
    from models.feedback import release_guidance

    if into_repo is not None and not into_repo.is_dir():
        raise UsageError(f"--into-repo {into_repo} is not a directory", "give the root folder of a repository")
    con = _open(ctx)
    try:
        result = release_guidance(con, ctx.obj.config, out, into_repo)
    except ValueError as exc:
        raise _nothing_to_export(exc) from None
    finally:
        con.close()
    typer.echo(f"guidance for pack {result.version}: {len(result.files)} files in {result.out_dir}")
    if result.into_repo:
        typer.echo(f"merged into {result.into_repo}")


def evaluate(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Run the current pack with semgrep and ruff on crash sites, their fixes and HEAD; store `rule_efficacy`."""
    from models.feedback import evaluate_pack, release_rules

    con = _open(ctx)
    try:
        pack, _ = release_rules(con, ctx.obj.config)
        ev = evaluate_pack(con, ctx.obj.config, pack)
    except ValueError as exc:
        raise _nothing_to_export(exc) from None
    finally:
        con.close()
    summary = ev.summary()
    if as_json:
        typer.echo(json.dumps(summary, indent=2, default=str))
        return
    pct = lambda v: "n/a" if v is None else f"{v:.0%}"
    typer.echo(
        f"pack {ev.pack_version}: recall {pct(ev.recall)} ({ev.crash_sites_flagged}/{ev.crash_sites} crash sites), "
        f"false positives on fixed lines {pct(ev.fixed_fp_rate)} ({ev.fixed_sites_flagged}/{ev.fixed_sites}), "
        f"findings on never-failed code {pct(ev.unfailed_share)} ({ev.unfailed_findings}/{ev.failing_findings}), "
        f"HEAD {ev.head_findings} findings in {ev.head_kloc:.1f} kLOC"
    )
    for rid in summary["demoted"]:
        typer.echo(f"demoted: {rid}: {ev.rules[rid].demotion_reason}")
    typer.echo("details: hindsight sql 'SELECT * FROM rule_efficacy'")


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the `hindsight` app."""
    app.add_typer(export_app, name="export")
    app.command("evaluate")(evaluate)
