"""`hindsight demo`: build the demo world (git repo, production data, ground truth) and run the pipeline."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import typer


def warehouse_counts(warehouse: Path) -> dict[str, int]:
    """Row counts of every `core` table (whatever stages exist); empty when there is no warehouse."""
    if not warehouse.exists():
        return {}
    from models.warehouse.readonly import open_read_only

    con = open_read_only(warehouse)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'core' ORDER BY 1").fetchall()]
        counts = {}
        for name in names:  # names come from the catalog, quoted as identifiers
            ident = '"' + name.replace('"', '""') + '"'
            counts[name] = con.execute(f"SELECT count(*) FROM core.{ident}").fetchone()[0]
        return counts
    finally:
        con.close()


def _program() -> str:
    """How to call this CLI from the user's shell: `hindsight` when it is on PATH, else the path of the
    running script (`.venv/bin/hindsight` under make, whose PATH has no .venv/bin)."""
    if shutil.which("hindsight") or not sys.argv[0].endswith("hindsight"):
        return "hindsight"
    return os.path.relpath(sys.argv[0])


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_command(
        out: Path = typer.Option(Path("data/demo"), "--out", "-o", help="Directory to build the demo world in."),
        seed: int = typer.Option(7, "--seed", help="Same seed => same commits, events and files."),
        scale: int = typer.Option(1, "--scale", min=1, help="Multiply event/log volume (K=1: the real capture)."),
        no_run: bool = typer.Option(False, "--no-run", help="Only generate; do not run the pipeline."),
        risk_history: int = typer.Option(
            0, "--risk-history", min=0, metavar="N",
            help="Continue the history by N commits in which failure classes recur (synthetic; see demo/risk_history.py)."),
        risk_ai_ratio: float | None = typer.Option(
            None, "--risk-ai-ratio", metavar="X",
            help="In that longer history, AI tools' bug rate relative to humans' (default: the stated 1.5; "
            "another value is a sensitivity run)."),
    ) -> None:
        """Generate a realistic service repo + production data with known planted bugs, then run the pipeline."""
        from demo.generate import generate

        try:
            summary = generate(out, seed=seed, scale=scale, risk_history_commits=risk_history,
                               risk_ai_ratio=risk_ai_ratio)
        except (FileExistsError, ValueError) as exc:
            from hindsight.errors import UsageError

            hint = "choose another --out (or remove that folder)" if isinstance(exc, FileExistsError) else \
                "give the option a value in that range"
            raise UsageError(str(exc), hint) from None
        t = summary["timings"]
        typer.echo(f"demo world in {out}: {summary['commits']} commits, {summary['releases']} releases, "
                   f"{summary['events']} real Sentry events (+{summary['scaled_events']} scaled), "
                   f"{sum(summary['log_lines'].values())} log lines (+{summary['scaled_log_lines']} scaled), "
                   f"{summary['incidents']} incidents "
                   f"[repo {t['repo_s']:.1f}s, traffic {t['traffic_s']:.1f}s, scale {t['scale_s']:.1f}s]")
        config = out / "hindsight.toml"
        failed = False
        if not no_run:
            from pipelines.runner import materialize_all

            try:
                materialize_all(config_path=config)
            except Exception as exc:  # noqa: BLE001 - report which stage broke, keep the generated world
                failed = True
                typer.echo(f"pipeline failed: {type(exc).__name__}: {exc}", err=True)
            from models.config import load_config

            counts = warehouse_counts(load_config(config).warehouse)
            built = {k: v for k, v in counts.items() if v}
            typer.echo("warehouse: " + (", ".join(f"{k}={v}" for k, v in built.items()) or "no rows yet"))
        prog = _program()
        typer.echo("\nnext:")
        typer.echo(f"  dashboard: make dashboard   (or {prog} --config {config} dashboard)")
        typer.echo("  Dagster UI: make dev   (then open http://127.0.0.1:3000)")
        typer.echo(f'  SQL:       {prog} --config {config} sql "SELECT * FROM core.events LIMIT 10"')
        typer.echo(f"  truth:     {out / 'ground_truth.json'}")
        if failed:
            from hindsight.errors import CliError

            raise CliError("the demo world was built but the pipeline failed (see above)",
                           "run `hindsight --debug --config " + str(config) + " run` for the traceback")
