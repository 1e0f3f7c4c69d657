"""`hindsight` — the command-line entry point.

Each stage registers its own commands from `hindsight/commands/<stage>.py` (a `register(app)`
function), so stages stay independent. Global options pick the configuration and the warehouse; they
are accepted before or after the command (`hindsight ingest x --warehouse w`). Every failure ends here
(`main`): one or two lines naming what to fix and an exit code by kind (hindsight/errors.py, README
"Exit codes"); a traceback only with `--debug`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from pathlib import Path

import typer
from typer.core import TyperGroup

from hindsight.commands import STAGE_MODULES
from hindsight.context import AppContext
from hindsight.errors import CliError, ExitCode, describe, exit_code

try:  # typer >= 0.24 carries its own copy of click: its exceptions are the ones raised
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older typer on the real click
    from click import exceptions as click_errors

class HindsightGroup(TyperGroup):
    """The `hindsight` command group: its `main` is `run`'s error handling, so the console script,
    `python -m hindsight.cli` and typer's CliRunner in tests all fail the same way."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        code = _run(self, list(sys.argv[1:] if args is None else args), extra)
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    cls=HindsightGroup,
    name="hindsight",
    help="Production feedback intelligence: production failures -> signatures -> commits -> rules and guidance.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

GLOBAL_VALUE_OPTIONS = ("--warehouse", "-w", "--config", "-c")
GLOBAL_FLAGS = ("--debug", "--version")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hindsight")
    except PackageNotFoundError:
        return "0+unknown"


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"hindsight {_version()}")
        raise typer.Exit()


@app.callback()
def _global_options(
    ctx: typer.Context,
    warehouse: Path | None = typer.Option(
        None, "--warehouse", "-w",
        help="DuckDB warehouse file [default: $HINDSIGHT_WAREHOUSE, else [warehouse] path, else data/warehouse.duckdb]",
    ),
    config: Path | None = typer.Option(
        None, "--config", "-c", help="hindsight.toml [default: $HINDSIGHT_CONFIG, else ./hindsight.toml if present]"
    ),
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback when a command fails."),
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    ctx.obj = AppContext(config_path=config, warehouse_override=warehouse, debug=debug)


for _module in STAGE_MODULES:
    _module.register(app)

from hindsight.commands import serve as _serve

_serve.register(app)


def _command_options(group, args: list[str]) -> tuple[int, set[str]]:
    """(index in `args` where the command's own arguments start, option names the command itself
    defines), following nested groups (`export rules`). Global options before the command are skipped."""
    names: set[str] = set()
    command = group
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            break
        if hasattr(command, "get_command") and not arg.startswith("-"):
            sub = command.get_command(typer.Context(command), arg)
            if sub is None:
                break
            command = sub
            for param in sub.params:
                names.update(getattr(param, "opts", ()))
                names.update(getattr(param, "secondary_opts", ()))
            i += 1
            continue
        if command is group and arg in GLOBAL_VALUE_OPTIONS:
            i += 2
            continue
        if command is group and (arg.startswith("-")):
            i += 1
            continue
        break
    return (i if command is not group else len(args)), names


def hoist_global_options(args: list[str]) -> list[str]:
    """Move global options given after the command to the front, where click expects them, unless the
    command defines an option of the same name itself. Nothing after `--` moves."""
    start, own = _command_options(typer.main.get_command(app), args)
    front, rest = [], []
    i = start
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        name = arg.split("=", 1)[0]
        if name in GLOBAL_VALUE_OPTIONS and name not in own:
            if "=" in arg and name.startswith("--"):
                front.append(arg)
                i += 1
            else:
                front += args[i : i + 2]
                i += 2
            continue
        if arg in GLOBAL_FLAGS and arg not in own:
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + args[:start] + rest


def _report(error: CliError) -> None:
    from models.sources.scrub import scrub_text

    message = " ".join(line.strip() for line in error.message.strip().splitlines()[:1]) or "failed"
    sys.stderr.write(f"error: {scrub_text(message)}\n")
    if error.hint:
        sys.stderr.write(f"hint: {scrub_text(error.hint.strip().splitlines()[0])}\n")
    sys.stderr.flush()


def run(args: list[str]) -> int:
    """Run one command line; returns the exit code (never raises, never prints a traceback unless
    `--debug` or $HINDSIGHT_DEBUG is set)."""
    return typer.main.get_command(app).main(args=list(args), prog_name="hindsight", standalone_mode=False)


def _run(command, args: list[str], extra: dict) -> int:
    args = hoist_global_options(args)
    debug = "--debug" in args[: args.index("--") if "--" in args else len(args)] or bool(os.environ.get("HINDSIGHT_DEBUG"))
    try:
        result = TyperGroup.main(command, args=args, prog_name="hindsight", standalone_mode=False, **extra)
        return int(result) if isinstance(result, int) else ExitCode.OK
    except click_errors.NoArgsIsHelpError:  # the help was printed: no command given is a usage error
        return ExitCode.USAGE
    except click_errors.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "hindsight"
        _report(CliError(exc.format_message().rstrip("."), f"run `{where} --help` for the commands and options"))
        return ExitCode.USAGE
    except typer.Abort:
        sys.stderr.write("interrupted\n")
        return ExitCode.INTERRUPTED
    except click_errors.ClickException as exc:
        _report(CliError(exc.format_message()))
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return ExitCode.INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the one place every failure is turned into a message
        error = describe(exc)
        if debug:
            traceback.print_exc()
        elif exit_code(error) == ExitCode.INTERNAL:
            _capture(exc)
        _report(error)
        return exit_code(error)


def _capture(exc: BaseException) -> None:
    """An internal error still reaches self-monitoring (SENTRY_DSN / HINDSIGHT_SELF_EVENTS), if it is on."""
    with contextlib.suppress(Exception):  # reporting must never mask the error itself
        import sentry_sdk

        if sentry_sdk.get_client().is_active():
            sentry_sdk.capture_exception(exc)
            sentry_sdk.flush(timeout=2)


def main(argv: list[str] | None = None) -> None:
    from hindsight.observability import init_self_monitoring

    init_self_monitoring("cli")
    sys.exit(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    main()
