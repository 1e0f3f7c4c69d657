"""CLI commands of the history stage: `hindsight commits`."""

from __future__ import annotations

import typer
from rich.console import Console

LINE = (
    "{repo}: {mode} — {commits_new} new commits ({commits_total} total), {ai_authored_total} AI-authored, "
    "{ai_committed_only_total} AI-committed only, {releases_total} releases, {ai_line_ranges_total} git-ai "
    "line ranges, {seconds} s"
)


def commits(
    ctx: typer.Context,
    repo: str | None = typer.Option(None, "--repo", "-r", help="Only this configured repository."),
    reclassify: bool = typer.Option(
        False, "--reclassify", help="Re-run AI-origin classification on every commit."
    ),
) -> None:
    """Ingest the commits, AI origin, git-ai notes and releases of the configured repositories (incremental)."""
    from models.history import GitError, MarkerError, ingest_all
    from models.warehouse import connect

    app_ctx = ctx.obj
    config = app_ctx.config
    err = Console(stderr=True)
    if not config.repositories:
        err.print(
            "[red]No repositories configured.[/red] Add a [[repositories]] section to hindsight.toml "
            "(see sql/reference/20_history.md, 'Configuring repositories')."
        )
        raise typer.Exit(2)
    if repo and repo not in {r.name for r in config.repositories}:
        err.print(
            f"[red]No repository named {repo!r}[/red]; configured: {', '.join(r.name for r in config.repositories)}"
        )
        raise typer.Exit(2)
    con = connect(app_ctx.warehouse)
    try:
        results = ingest_all(con, config, repo=repo, reclassify=reclassify)
    except (GitError, MarkerError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    finally:
        con.close()
    out = Console(highlight=False, soft_wrap=True)
    for r in results:
        out.print(LINE.format(**r), markup=False)
    out.print(f"warehouse: {app_ctx.warehouse}", markup=False)


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the `hindsight` app."""
    app.command("commits")(commits)
