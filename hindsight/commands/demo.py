"""CLI commands of the demo stage."""

import typer


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the `hindsight` app."""
