"""CLI commands of the attribution stage: `hindsight attribute`."""

from __future__ import annotations

import typer
from rich.console import Console


def attribute(
    ctx: typer.Context,
    time_fallback: bool | None = typer.Option(
        None,
        "--time-fallback/--no-time-fallback",
        help="Place events without a known release at the newest default-branch commit before the event "
        "(marked revision_source='time_fallback'). Default: [attribution] time_fallback in hindsight.toml, else off.",
    ),
    workers: int | None = typer.Option(
        None, "--workers", min=1, max=16, help="Parallel git blame processes (default: twice the cores, at most 8)."
    ),
) -> None:
    """Attribute crashing frames to commits (and AI tools): resolve frames, blame, rank suspects (incremental)."""
    from hindsight.errors import ConfigurationError
    from models.attribution import attribute as run_attribution
    from models.warehouse import connect

    app_ctx = ctx.obj
    config = app_ctx.config
    if not config.repositories:
        raise ConfigurationError("no repositories configured",
                                 "add a [[repositories]] section to hindsight.toml (sql/reference/20_history.md)")
    con = connect(app_ctx.warehouse)
    try:
        options = {"workers": workers} if workers is not None else {}
        result = run_attribution(con, config, time_fallback=time_fallback, **options)
    finally:
        con.close()
    out = Console(highlight=False, soft_wrap=True)
    r, b, s = result["resolve"], result["blame"], result["suspects"]
    out.print(
        f"events: {r['events']} new, frames: {r['frames']} new ({r['distinct_frames']} distinct)",
        markup=False,
    )
    outcomes = result["outcomes"]
    unresolved = ", ".join(f"{k} {v}" for k, v in outcomes.items() if k != "resolved") or "none"
    out.print(
        f"frames resolved: {outcomes.get('resolved', 0)}; unresolved by reason: {unresolved}", markup=False
    )
    if r.get("inferred_events"):
        out.print(
            f"revisions inferred from source lines: {r['inferred_events']} events "
            "(frame_attribution.revision_how = 'inferred')",
            markup=False,
        )
    out.print(
        f"files blamed: {b['files_blamed']}, cache hits: {b['cache_hits']}, blame failures: {b['failed']}",
        markup=False,
    )
    out.print(
        f"clusters with suspects: {s['clusters']} ({s['suspects']} suspects), fixes found: {s['fixes']}, "
        f"SZZ-refined: {s['szz_refined']}, reintroduced: {s.get('reintroduced', 0)}",
        markup=False,
    )
    if result["hints"]:
        out.print("top unresolved reasons, and what would fix them:", markup=False)
        for h in result["hints"]:
            examples = f" (e.g. {', '.join(h['examples'])})" if h["examples"] else ""
            out.print(
                f"  {h['reason']}: {h['frames']} frames in {h['events']} events{examples}\n    -> {h['fix']}",
                markup=False,
            )
    out.print(f"{result['seconds']} s; warehouse: {app_ctx.warehouse}", markup=False)


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the `hindsight` app."""
    app.command("attribute")(attribute)
