"""What a failed command says: one or two lines on stderr naming the file, setting or command to fix,
and an exit code by kind of failure (documented in the README, "Exit codes"). No traceback unless the
command ran with `--debug`.

| code | kind | what to fix |
|---|---|---|
| 0 | - | nothing: it worked |
| 1 | internal | nothing you did: a bug in Hindsight (run again with `--debug`, report the traceback) |
| 2 | usage | the command line: unknown command or option, a bad option value |
| 3 | input | a file, folder, warehouse or query the command reads: missing, unreadable or unusable |
| 4 | configuration | hindsight.toml (`--config`, `$HINDSIGHT_CONFIG`): missing, not TOML, a wrong setting |
| 5 | tool | an external tool or process: git, semgrep, ruff, or another process holding the warehouse |
| 130 | interrupted | nothing: Ctrl-C |
"""

from __future__ import annotations

from enum import IntEnum

from models.errors import (
    ConfigError,
    GitError,
    HindsightError,
    InputError,
    RepositoryError,
    ToolError,
    WarehouseBusy,
    WarehouseError,
    error_class,
)

__all__ = ["CONFIG_HINT", "CliError", "ConfigurationError", "ExitCode", "InputError", "ToolError", "UsageError",
           "describe", "exit_code"]


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1
    USAGE = 2
    INPUT = 3
    CONFIG = 4
    TOOL = 5
    INTERRUPTED = 130


CliError = HindsightError  # a failure to report as `error: <message>` plus an optional `hint: <what to do>`
ConfigurationError = ConfigError


class UsageError(HindsightError):
    """The command line is wrong: an unknown command or option, a bad option value."""


CONFIG_HINT = "fix the setting in hindsight.toml (README, 'Configuration'), or point --config at another file"

# Exit code and default hint of each kind of the error tree; the most specific class of an error's
# MRO found here decides. A hint the error carries itself wins over the kind's.
KINDS: dict[type[HindsightError], tuple[ExitCode, str | None]] = {
    UsageError: (ExitCode.USAGE, None),
    InputError: (ExitCode.INPUT, None),
    WarehouseError: (ExitCode.INPUT, "--warehouse must name a Hindsight warehouse (a DuckDB file)"),
    ConfigError: (ExitCode.CONFIG, CONFIG_HINT),
    RepositoryError: (ExitCode.CONFIG, "check path and default_branch of [[repositories]] in hindsight.toml"),
    GitError: (ExitCode.TOOL, "check that git works in that repository (git -C PATH status)"),
    ToolError: (ExitCode.TOOL, ("run again with --debug for the tool's whole output (semgrep and ruff come with "
                                "`make install`)")),
    WarehouseBusy: (ExitCode.TOOL, ("wait for that process (a pipeline run, an ingest) to finish, or use another "
                                    "--warehouse")),
    HindsightError: (ExitCode.INTERNAL, None),
}


def _kind(exc: HindsightError) -> tuple[ExitCode, str | None]:
    return next(KINDS[cls] for cls in type(exc).__mro__ if cls in KINDS)


def exit_code(error: HindsightError) -> ExitCode:
    """The exit code of an error's kind (the table above)."""
    return _kind(error)[0]


def describe(exc: BaseException) -> HindsightError:
    """The error to report for any exception a command let through: an error of the tree as it is
    (with its kind's hint when it has none), the failures of DuckDB and the OS that have a kind turned
    into one, anything else as an internal error."""
    import duckdb

    if isinstance(exc, HindsightError):
        if exc.hint is None:
            exc.hint = _kind(exc)[1]
        if not exc.message:
            exc.message = str(exc).strip() or type(exc).__name__
        return exc
    name = type(exc).__name__
    text = str(exc).strip() or name
    if isinstance(exc, duckdb.IOException) and "lock" in text.lower():
        return describe(WarehouseBusy("the warehouse is in use by another process: " + text.splitlines()[0]))
    if isinstance(exc, duckdb.IOException | duckdb.SerializationException) or "not a valid DuckDB database" in text:
        return describe(WarehouseError(text.splitlines()[0]))
    if isinstance(exc, FileNotFoundError) and exc.filename in ("git", "semgrep", "ruff", "tar"):
        return ToolError(f"{exc.filename} is not installed (or not on PATH)", f"install {exc.filename} and run again")
    if isinstance(exc, OSError) and exc.filename:
        return InputError(f"{exc.filename}: {exc.strerror or text}")
    return HindsightError(
        f"internal error: {name}: {text.splitlines()[0][:300]}",
        "this is a bug in Hindsight: run the same command with --debug and report the traceback",
    )


def describe_by_name(class_name: str, message: str) -> HindsightError:
    """`describe` for an error known only by its class name and message (a failed Dagster step): the class
    of the error tree with that name, else an internal error."""
    cls = error_class(class_name)
    if cls is None:
        return describe(type(class_name or "Error", (Exception,), {})(message))
    error = HindsightError.__new__(cls)
    HindsightError.__init__(error, message)
    return describe(error)
