"""CLI commands of the history stage: `hindsight commits`, `hindsight classify-commit`."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.markup import escape

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
            "[red]No repositories configured.[/red] Add a " + escape("[[repositories]]") + " section to hindsight.toml "
            "(see sql/reference/20_history.md, 'Configuring repositories')."
        )
        raise typer.Exit(2)
    if repo and repo not in {r.name for r in config.repositories}:
        names = ", ".join(r.name for r in config.repositories)
        err.print(f"[red]No repository named {escape(repr(repo))}[/red]; configured: {escape(names)}")
        raise typer.Exit(2)
    con = connect(app_ctx.warehouse)
    try:
        results = ingest_all(con, config, repo=repo, reclassify=reclassify)
    except (GitError, MarkerError, ValueError) as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(1) from None
    finally:
        con.close()
    out = Console(highlight=False, soft_wrap=True)
    for r in results:
        out.print(LINE.format(**r), markup=False)
    out.print(f"warehouse: {app_ctx.warehouse}", markup=False)


def classify_commit(
    ctx: typer.Context,
    rev: str = typer.Argument(..., help="Commit (sha, tag, branch, HEAD~2, ...)."),
    repo: str | None = typer.Option(
        None, "--repo", "-r", help="Configured repository [default: the only one]."
    ),
) -> None:
    """Show the AI-origin classification of one commit, with every marker that matched (reads git, writes nothing)."""
    from models.history import GitError, MarkerError, load_markers
    from models.history import classify_commit as classify
    from models.history.git import commit_text

    config = ctx.obj.config
    err = Console(stderr=True)
    repos = [r for r in config.repositories if repo in (None, r.name)]
    if len(repos) != 1:
        err.print(
            "[red]Name one configured repository with --repo.[/red]"
            if repos or not repo
            else f"[red]No repository named {escape(repr(repo))}[/red]"
        )
        raise typer.Exit(2)
    try:
        author, committer, message = commit_text(repos[0].path, rev)
        result = classify(author, committer, message, load_markers(config.marker_files))
    except (GitError, MarkerError) as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(1) from None
    from models.sources.scrub import scrub_text

    # printed like it is stored: identities and marker evidence lose secrets, keep addresses
    shown = json.dumps({"author": author, "committer": committer, **result.__dict__}, indent=2, ensure_ascii=False)
    typer.echo(scrub_text(shown, personal=False))


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the `hindsight` app."""
    app.command("commits")(commits)
    app.command("classify-commit")(classify_commit)
