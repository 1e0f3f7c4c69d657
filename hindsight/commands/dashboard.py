"""`hindsight dashboard`: Streamlit on 127.0.0.1 against the warehouse's published snapshot."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from models.package_data import package_path

APP = package_path("dashboards", "app.py")


def register(app: typer.Typer) -> None:
    @app.command("dashboard")
    def dashboard_command(
        ctx: typer.Context,
        port: int = typer.Option(8501, help="Port on 127.0.0.1."),
        address: str = typer.Option("127.0.0.1", help="Bind address (keep it local unless you know why)."),
    ) -> None:
        """Start the dashboard. It reads the snapshot the pipeline publishes, so it never blocks a pipeline run."""
        from models.warehouse import connect
        from models.warehouse.snapshot import publish_snapshot, snapshot_path

        warehouse = ctx.obj.warehouse
        if warehouse.exists() and not snapshot_path(warehouse).exists():
            con = connect(warehouse)
            try:
                publish_snapshot(con, warehouse)
            finally:
                con.close()
        env = dict(os.environ, HINDSIGHT_WAREHOUSE=str(Path(warehouse).resolve()))
        if ctx.obj.config_path:
            env["HINDSIGHT_CONFIG"] = str(Path(ctx.obj.config_path).resolve())
        typer.echo(f"Hindsight dashboard: http://{address}:{port}  (data: {warehouse})", err=True)
        cmd = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.address", address,
               "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
        # exec, not a child process: a supervisor's SIGTERM to this PID then reaches Streamlit itself
        # (a child would outlive its killed parent and keep serving)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, cmd, env)
