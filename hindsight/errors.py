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


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1
    USAGE = 2
    INPUT = 3
    CONFIG = 4
    TOOL = 5
    INTERRUPTED = 130


class CliError(Exception):
    """A failure to report as `error: <message>` plus an optional `hint: <what to do>` line."""

    code = ExitCode.INTERNAL

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(CliError):
    code = ExitCode.USAGE


class InputError(CliError):
    code = ExitCode.INPUT


class ConfigurationError(CliError):
    code = ExitCode.CONFIG


class ToolError(CliError):
    code = ExitCode.TOOL


CONFIG_HINT = "fix the setting in hindsight.toml (README, 'Configuration'), or point --config at another file"
_REPOSITORY_PROBLEMS = ("repository path does not exist", "not a git repository", "default branch")


def describe(exc: BaseException) -> CliError:
    """The CliError for any exception a command let through: known failures of the stages by kind,
    anything else as an internal error."""
    import duckdb

    from models.config import ConfigError

    if isinstance(exc, CliError):
        return exc
    name = type(exc).__name__
    module = type(exc).__module__
    text = str(exc).strip() or name
    if isinstance(exc, ConfigError) or name == "ConfigError":
        return ConfigurationError(text, CONFIG_HINT)
    if name == "MarkerError":
        return ConfigurationError(text, "fix the marker file named above (or [ai] marker_files in hindsight.toml)")
    if name == "GitError":
        if any(p in text for p in _REPOSITORY_PROBLEMS):
            return ConfigurationError(text, "check path and default_branch of [[repositories]] in hindsight.toml")
        return ToolError(text, "check that git works in that repository (git -C PATH status)")
    if name == "ToolError" and module.startswith("models."):
        return ToolError(text, "run again with --debug for the tool's whole output (semgrep and ruff come with "
                               "`make install`)")
    if name == "IngestError":
        return InputError(text)
    if name == "ComputeError":  # models/compute: the Dask cluster of [compute] mode = "dask"
        return ToolError(text, "start the Dask scheduler and workers, or set [compute] mode = \"local\"")
    if isinstance(exc, duckdb.IOException) and "lock" in text.lower():
        return ToolError(
            "the warehouse is in use by another process: " + text.splitlines()[0],
            "wait for that process (a pipeline run, an ingest) to finish, or use another --warehouse",
        )
    if isinstance(exc, duckdb.IOException | duckdb.SerializationException) or "not a valid DuckDB database" in text:
        return InputError(text.splitlines()[0], "--warehouse must name a Hindsight warehouse (a DuckDB file)")
    if isinstance(exc, FileNotFoundError) and exc.filename in ("git", "semgrep", "ruff", "tar"):
        return ToolError(f"{exc.filename} is not installed (or not on PATH)", f"install {exc.filename} and run again")
    if isinstance(exc, OSError) and exc.filename:
        return InputError(f"{exc.filename}: {exc.strerror or text}")
    return CliError(
        f"internal error: {name}: {text.splitlines()[0][:300]}",
        "this is a bug in Hindsight: run the same command with --debug and report the traceback",
    )
