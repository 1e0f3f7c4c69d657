"""The one root of every failure Hindsight raises on purpose, and its small tree of kinds.

    HindsightError            anything Hindsight reports knowingly (not a bug)
    ├── ConfigError           hindsight.toml or a setting in it: missing, not TOML, a wrong value
    ├── InputError            data Hindsight reads: a file, a request body, a model file, a query
    ├── GitError              a git command failed (the message names the command and git's stderr)
    │   └── RepositoryError   a configured repository is unusable: no such path, not a repository,
    │                         its default branch absent (a configuration mistake found by git)
    ├── ToolError             an external tool failed: semgrep, ruff, tar
    └── WarehouseError        the DuckDB warehouse: not a warehouse, or held by another process
        └── WarehouseBusy

Each stage raises a leaf of this tree named for what went wrong (`MarkerError(ConfigError)`,
`IngestError(InputError)`, ...); the shells map by kind, never by message text: the CLI turns a kind
into its exit code and hint (`hindsight/errors.py`), a failed Dagster step is mapped through the
same tree by its class name (`error_class`). A leaf that was a `ValueError` (or `RuntimeError`)
before it joined the tree still is one, so no existing handler changes meaning.

`hint` is what the person should do; a class may set a default, an instance may override it. Any
other exception escaping a stage is a bug.
"""

from __future__ import annotations


class HindsightError(Exception):
    """A failure Hindsight knows how to explain: `message` says what, `hint` (optional) what to do."""

    hint: str | None = None

    def __init__(self, message: str = "", hint: str | None = None):
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint


class ConfigError(HindsightError, ValueError):
    """The configuration file is missing, not TOML, or a setting has the wrong shape (the message names
    the file and the setting)."""


class InputError(HindsightError):
    """Data Hindsight reads is missing, unreadable or unusable (the message names it)."""


class GitError(HindsightError, RuntimeError):
    """A git command failed; the message names the repository, the command and git's stderr."""


class RepositoryError(GitError):
    """A configured repository cannot be used: the path does not exist, is not a git repository, or
    has no such default branch."""


class ToolError(HindsightError, RuntimeError):
    """An external tool (semgrep, ruff, tar) failed in a way the caller cannot recover from."""


class WarehouseError(HindsightError):
    """The warehouse file cannot be used: not a DuckDB database, or not a Hindsight warehouse."""


class WarehouseBusy(WarehouseError):
    """Another process holds the warehouse (DuckDB allows one writer)."""


def error_class(name: str) -> type[HindsightError] | None:
    """The class of the tree called `name` (names are unique in the tree), among those imported; None
    for any other name. Used where only the class name survived, e.g. a failed Dagster step."""
    return next((cls for cls in all_error_classes() if cls.__name__ == name), None)


def all_error_classes() -> list[type[HindsightError]]:
    """Every class of the tree imported so far, root first."""
    out: list[type[HindsightError]] = []
    todo: list[type[HindsightError]] = [HindsightError]
    while todo:
        cls = todo.pop(0)
        if cls not in out:
            out.append(cls)
            todo.extend(cls.__subclasses__())
    return out
