"""`hindsight` — the command-line entry point.

Each stage registers its own commands from `hindsight/commands/<stage>.py` (a `register(app)`
function), so stages stay independent. Global options pick the configuration and the warehouse.
"""

from __future__ import annotations

from pathlib import Path

import typer

from hindsight.commands import STAGE_MODULES
from hindsight.context import AppContext

app = typer.Typer(
    name="hindsight",
    help="Production feedback intelligence: production failures -> signatures -> commits -> rules and guidance.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _global_options(
    ctx: typer.Context,
    warehouse: Path | None = typer.Option(
        None, "--warehouse", "-w", envvar="HINDSIGHT_WAREHOUSE", help="DuckDB warehouse file [default: data/warehouse.duckdb]"
    ),
    config: Path | None = typer.Option(
        None, "--config", "-c", envvar="HINDSIGHT_CONFIG", help="hindsight.toml [default: ./hindsight.toml if present]"
    ),
) -> None:
    ctx.obj = AppContext(config_path=config, warehouse_override=warehouse)


for _module in STAGE_MODULES:
    _module.register(app)

from hindsight.commands import serve as _serve

_serve.register(app)


def main() -> None:
    from hindsight.observability import init_self_monitoring

    init_self_monitoring("cli")
    app()


if __name__ == "__main__":
    main()
