"""`hindsight run`: materialize the whole pipeline (or a selection) in this process."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run_command(
        ctx: typer.Context,
        select: str | None = typer.Option(
            None, "--select", "-s", help="Dagster asset selection, e.g. 'group:sources' or 'clusters+'."
        ),
    ) -> None:
        """Run every stage once: ingest new landing files, then signatures → clusters → attribution → rules."""
        from models.sources.scrub import scrub_text
        from pipelines.runner import materialize_all

        console = Console(stderr=True, soft_wrap=True)  # whole lines (grep-able), never hard-wrapped
        # a failed step is summarised below; Dagster's own log would print its traceback
        log_level = "WARNING" if ctx.obj.debug else "CRITICAL"
        with console.status("running the pipeline in-process…"):
            result = materialize_all(config_path=ctx.obj.config_path, warehouse=ctx.obj.warehouse, selection=select,
                                     default_log_level=log_level)
        for event in result.get_asset_materialization_events():
            mat = event.event_specific_data.materialization
            meta = {k: getattr(v, "value", v) for k, v in (mat.metadata or {}).items()}
            brief = ", ".join(f"{k}={v}" for k, v in list(meta.items())[:6])
            console.print(f"[green]materialized[/green] {mat.asset_key.to_user_string()}  {escape(scrub_text(brief))}",
                          highlight=False)
        failed = [c for c in result.get_asset_check_evaluations() if not c.passed]
        for check in failed:
            console.print(f"[yellow]check failed[/yellow] {check.asset_key.to_user_string()}:{check.check_name}")
        console.print(f"pipeline {'succeeded' if result.success else 'FAILED'}; warehouse: {ctx.obj.warehouse}",
                      markup=False)
        if not result.success:
            raise step_failure(result)


def step_failure(result):
    """The CLI error for a failed run: the first failed step and its error, with the exit code of that
    error's kind in the error tree (a configuration mistake, a tool, or a bug). Dagster keeps only the
    class name and message of the step's error; `describe_by_name` finds the class of the tree by name."""
    from hindsight.errors import CliError, ExitCode, describe_by_name, exit_code

    for event in result.get_step_failure_events():
        info = event.event_specific_data.error
        while info is not None and info.cls_name in ("DagsterExecutionStepExecutionError", "DagsterUserCodeExecutionError"):
            info = info.cause
        if info is None:
            continue
        kind = describe_by_name(info.cls_name or "Error", (info.message or "").split(": ", 1)[-1].strip())
        kind.message = f"step {event.step_key} failed: {kind.message}"
        if exit_code(kind) == ExitCode.INTERNAL:
            kind.hint = "run `hindsight --debug run` to see the traceback; if it is not your data or setting, report it"
        return kind
    return CliError("the pipeline failed (see the messages above)", "run `hindsight --debug run` for the tracebacks")
