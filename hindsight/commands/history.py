"""CLI commands of the history stage: `hindsight commits`, `hindsight classify-commit`."""

from __future__ import annotations

import json

import typer

from hindsight.errors import ConfigurationError, InputError, UsageError

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
    from models.history import ingest_all
    from models.warehouse import connect

    app_ctx = ctx.obj
    config = app_ctx.config
    _one_of(config, repo, required=False)
    con = connect(app_ctx.warehouse)
    try:
        results = ingest_all(con, config, repo=repo, reclassify=reclassify)
    finally:  # a release pattern or table that does not fit is a ConfigError: reported by its kind

        con.close()
    for r in results:
        typer.echo(LINE.format(**r))
        if r.get("commits_repaired"):
            typer.echo(f"  {r['commits_repaired']} degraded commits read again in full (the clone now holds their objects)")
        if r.get("commits_degraded_total"):
            typer.echo(
                f"  {r['commits_degraded_total']} commits degraded (objects missing from the clone, which Hindsight "
                "never fetches, or the edge of a shallow clone): SELECT sha, degraded FROM commits WHERE degraded "
                "IS NOT NULL"
            )
    typer.echo(f"warehouse: {app_ctx.warehouse}")


def _one_of(config, repo: str | None, *, required: bool):
    """The configured repository --repo names (or the only one when `required`); errors say what to fix."""
    if not config.repositories:
        raise ConfigurationError(
            "no repositories configured", "add a [[repositories]] section to hindsight.toml "
            "(sql/reference/20_history.md, 'Configuring repositories')")
    names = [r.name for r in config.repositories]
    if repo is not None and repo not in names:
        raise UsageError(f"no repository named {repo!r}; configured: {', '.join(names)}",
                         "--repo takes a name from [[repositories]] in hindsight.toml")
    if required and repo is None and len(names) > 1:
        raise UsageError(f"{len(names)} repositories are configured ({', '.join(names)})", "name one with --repo")
    return next(r for r in config.repositories if repo in (None, r.name))


def classify_commit(
    ctx: typer.Context,
    rev: str = typer.Argument(..., help="Commit (sha, tag, branch, HEAD~2, ...)."),
    repo: str | None = typer.Option(
        None, "--repo", "-r", help="Configured repository [default: the only one]."
    ),
) -> None:
    """Show the AI-origin classification of one commit, with every marker that matched (reads git, writes nothing)."""
    from models.history import GitError, load_markers
    from models.history import classify_commit as classify
    from models.history.git import commit_text

    config = ctx.obj.config
    chosen = _one_of(config, repo, required=True)
    try:
        author, committer, message = commit_text(chosen.path, rev)
    except GitError as exc:
        if "no commit" in str(exc):
            raise InputError(str(exc), f"REV must name a commit of {chosen.path} (a sha, tag, branch, HEAD~2)") from None
        raise
    result = classify(author, committer, message, load_markers(config.marker_files))
    from models.sources.scrub import scrub_text

    # printed like it is stored: identities and marker evidence lose secrets, keep addresses
    shown = json.dumps({"author": author, "committer": committer, **result.__dict__}, indent=2, ensure_ascii=False)
    typer.echo(scrub_text(shown, personal=False))


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the `hindsight` app."""
    app.command("commits")(commits)
    app.command("classify-commit")(classify_commit)
