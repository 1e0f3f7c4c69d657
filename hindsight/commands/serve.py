"""CLI of live ingest: `hindsight serve` and `hindsight keys create|list|revoke|disable|enable`.

Settings come from the `[serve]` section of hindsight.toml (`config.serve`, models/settings.py; see README
"Send events from your app"), overridden by the options here.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import typer

from models.settings import LiveIngestSettings

keys_app = typer.Typer(help="Project keys (DSNs) of `hindsight serve`.", no_args_is_help=True)

DEFAULT_PORT = LiveIngestSettings().port


def _keys_file(app) -> Path:
    from models.sources.ingest_keys import keys_path

    return app.config.serve.keys_file or keys_path(app.config.landing_dir)


def _public_url(app, override: str | None) -> str:
    url = override or app.config.serve.public_url or f"http://127.0.0.1:{DEFAULT_PORT}"
    return url.rstrip("/")


def dsn(public_url: str, key: str, project_id: int) -> str:
    parts = urlsplit(public_url)
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{key}@{parts.netloc}{path}/{project_id}"


def serve(
    ctx: typer.Context,
    host: str = typer.Option(None, "--host", help="address to listen on [default: [serve] host, else 127.0.0.1]"),
    port: int = typer.Option(None, "--port", "-p", help=f"port [default: [serve] port, else {DEFAULT_PORT}]"),
    rate_limit: float = typer.Option(
        None, "--rate-limit", help="requests per second per key, 0 = none [default: [serve] rate_limit, else 1000]"
    ),
    segment_age: float = typer.Option(
        None, "--segment-age", help="seconds before an open spool segment is sealed for ingest [default: 2]"
    ),
    access_log: bool = typer.Option(True, "--access-log/--no-access-log", help="JSON access log lines on stderr"),
) -> None:
    """Receive Sentry SDK envelopes and OpenTelemetry logs/traces over HTTP into the landing spool.

    A 200 means the payload is on disk (fsync'd); `hindsight run` or the landing sensor ingests it.
    """
    import uvicorn

    from hindsight import ingest_server

    app = ctx.obj
    cfg = app.config.serve
    settings = ingest_server.ServeSettings(
        landing_dir=Path(app.config.landing_dir),
        keys_file=_keys_file(app),
        rate_limit=float(rate_limit if rate_limit is not None else cfg.rate_limit),
        segment_age_s=float(segment_age if segment_age is not None else cfg.segment_age_s),
        access_log=access_log,
    )
    host = host or cfg.host
    port = port if port is not None else cfg.port
    typer.echo(json.dumps({"event": "listening", "url": f"http://{host}:{port}", "landing": str(settings.landing_dir),
                           "keys_file": str(settings.keys_file)}), err=True)
    # limit_concurrency bounds memory: past it, new connections get 503 and the SDKs retry later
    uvicorn.run(ingest_server.create_app(settings), host=host, port=port, access_log=False, log_level="warning",
                server_header=False, timeout_graceful_shutdown=10,
                limit_concurrency=cfg.max_connections)


@keys_app.command("create")
def keys_create(
    ctx: typer.Context,
    project: str = typer.Option(..., "--project", help="project name (created on first use)"),
    rate_limit: float = typer.Option(None, "--rate-limit", help="requests per second for this key [default: server's]"),
    public_url: str = typer.Option(None, "--public-url", help="the server's URL as apps reach it [default: [serve] public_url]"),
) -> None:
    """Make a key and print its DSN (shown once: only a hash of the key is stored)."""
    from models.sources.ingest_keys import create_key

    app = ctx.obj
    try:
        created = create_key(_keys_file(app), project, rate_limit)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(dsn(_public_url(app, public_url), created.key, created.project_id))
    typer.echo(f"key_id {created.key_id}, project {created.project!r} (id {created.project_id})", err=True)


@keys_app.command("list")
def keys_list(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """Every key: key_id, project, state (the keys themselves are not stored)."""
    from models.sources.ingest_keys import list_keys

    rows = list_keys(_keys_file(ctx.obj))
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo("no keys yet: hindsight keys create --project NAME")
        return
    for r in rows:
        state = "revoked" if r["revoked_at"] else ("project disabled" if r["project_disabled"] else "active")
        typer.echo(f"{r['key_id']}  {r['project']} (id {r['project_id']})  {state}  created {r['created_at']}")


@keys_app.command("revoke")
def keys_revoke(ctx: typer.Context, key_id: str = typer.Argument(..., help="key_id from `hindsight keys list`")) -> None:
    """Revoke a key: the server answers 403 to it within a second."""
    from models.sources.ingest_keys import revoke_key

    if not revoke_key(_keys_file(ctx.obj), key_id):
        typer.echo(f"error: no active key with key_id {key_id!r} (see `hindsight keys list`)", err=True)
        raise typer.Exit(2)
    typer.echo(f"revoked {key_id}")


def _set_disabled(ctx: typer.Context, project: str, disabled: bool) -> None:
    from models.sources.ingest_keys import set_project_disabled

    if not set_project_disabled(_keys_file(ctx.obj), project, disabled):
        typer.echo(f"error: no project named {project!r} (see `hindsight keys list`)", err=True)
        raise typer.Exit(2)
    typer.echo(f"project {project!r} {'disabled' if disabled else 'enabled'}")


@keys_app.command("disable")
def keys_disable(ctx: typer.Context, project: str = typer.Option(..., "--project")) -> None:
    """Refuse every key of a project (403) until it is enabled again."""
    _set_disabled(ctx, project, True)


@keys_app.command("enable")
def keys_enable(ctx: typer.Context, project: str = typer.Option(..., "--project")) -> None:
    """Accept a disabled project's keys again."""
    _set_disabled(ctx, project, False)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(keys_app, name="keys")
