"""CLI commands of the feedback stage: `hindsight export rules|guidance`, `hindsight evaluate`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hindsight.errors import InputError, ToolError, UsageError

export_app = typer.Typer(help="Export what production taught: rule packs and assistant guidance.", no_args_is_help=True)


def _open(ctx: typer.Context):
    from models.warehouse import connect

    warehouse = ctx.obj.warehouse
    if not Path(warehouse).exists():
        raise InputError(f"no warehouse at {warehouse}", "run the pipeline first (`hindsight run`), or name one with --warehouse")
    return connect(warehouse)


def _nothing_to_export(exc: Exception) -> InputError:
    return InputError(str(exc), "ingest production data and run the pipeline (`hindsight run`) first")


def _invalid_pack(exc: Exception) -> ToolError:
    """A rule failed semgrep/ruff/SARIF validation: nothing was released, the previous pack stays current."""
    return ToolError(str(exc), "fix or remove the rule named above; the previous pack stays current")


@export_app.command("rules")
def export_rules(
    ctx: typer.Context,
    out: Path | None = typer.Option(None, "--out", "-o", help="Pack folder root [default: <exports>/rulepacks]"),
    force: bool = typer.Option(False, "--force", help="Release a new version even when nothing changed."),
) -> None:
    """Synthesize the rule pack and release it as OUT/<version>/ (semgrep, ruff, SARIF, README, CI files)."""
    from models.feedback import release_rules
    from models.feedback.pack import PackValidationError
    from models.feedback.service import NothingToRelease

    con = _open(ctx)
    try:
        pack, result = release_rules(con, ctx.obj.config, out, force=force)
    except PackValidationError as exc:
        raise _invalid_pack(exc) from None
    except NothingToRelease as exc:  # only that: a corrupt pack or warehouse is an error of its own
        raise _nothing_to_export(exc) from None
    finally:
        con.close()
    state = "released" if result.released else "unchanged (latest pack has the same rules)"
    typer.echo(f"rule pack {result.version} {state}: {result.path}")
    sev = {s: sum(r.severity == s for r in pack.rules) for s in ("ERROR", "WARNING", "INFO")}
    typer.echo(f"{len(pack.semgrep_rules)} semgrep rules, {len(pack.ruff_codes)} ruff codes, {len(pack.banned_api)} banned APIs"
               f" ({sev['ERROR']} ERROR, {sev['WARNING']} WARNING, {sev['INFO']} INFO)")
    for note in result.notes:
        typer.echo(f"note: {note}")


@export_app.command("guidance")
def export_guidance(
    ctx: typer.Context,
    out: Path | None = typer.Option(None, "--out", "-o", help="Where to write the files [default: <pack>/guidance]"),
    into_repo: Path | None = typer.Option(None, "--into-repo", help="Also merge them into this repository."),
) -> None:
    """Write AGENTS.md, CLAUDE.md, GEMINI.md, Cursor, Copilot and Windsurf rules from production evidence
    (for the current pack: released first when it changed, as `hindsight export rules` does)."""
    from models.feedback import release_guidance, release_rules
    from models.feedback.pack import PackValidationError
    from models.feedback.service import NothingToRelease

    if into_repo is not None and not into_repo.is_dir():
        raise UsageError(f"--into-repo {into_repo} is not a directory", "give the root folder of a repository")
    con = _open(ctx)
    try:
        release_rules(con, ctx.obj.config)
        result = release_guidance(con, ctx.obj.config, out, into_repo)
    except PackValidationError as exc:
        raise _invalid_pack(exc) from None
    except NothingToRelease as exc:  # only that: a corrupt pack or warehouse is an error of its own
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
    """Run the released pack with semgrep and ruff on crash sites, their fixes and HEAD; store `rule_efficacy`.
    Publishes nothing."""
    from models.feedback.pack import PackValidationError
    from models.feedback.service import NothingToRelease, reevaluate

    con = _open(ctx)
    try:
        ev = reevaluate(con, ctx.obj.config)
    except PackValidationError as exc:
        raise _invalid_pack(exc) from None
    except NothingToRelease as exc:  # only that: a corrupt pack or warehouse is an error of its own
        raise _nothing_to_export(exc) from None
    finally:
        con.close()
    summary = ev.summary()
    if as_json:
        typer.echo(json.dumps(summary, indent=2, default=str))
        return
    pct = lambda v: "n/a" if v is None else f"{v:.0%}"
    noise = "n/a" if ev.noise_per_kloc is None else f"{ev.noise_per_kloc:.2f}"
    typer.echo(
        f"pack {ev.pack_version}: held-out recall {pct(ev.heldout_recall)} ({ev.heldout_flagged}/{ev.heldout_sites} crash "
        f"sites, held out by cluster), own-site recall {pct(ev.own_site_recall)} ({ev.own_flagged}/{ev.own_sites}), "
        f"noise {noise} findings per 1,000 lines of never-failed code at HEAD; "
        f"recall {pct(ev.recall)} ({ev.crash_sites_flagged}/{ev.crash_sites} crash sites), "
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
