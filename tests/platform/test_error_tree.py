"""One error root: every exception class of the code is a leaf of `models.errors.HindsightError`, names
are unique (a failed Dagster step keeps only the class name), and the CLI maps each kind of the tree to
its exit code, for a raised error and for a failed step alike."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from hindsight.errors import ExitCode, describe, describe_by_name, exit_code
from models import errors

ROOT = Path(__file__).resolve().parents[2]
SKIP = ("models.failure_classes.classes.",)  # example code of the failure-class registry


def _modules():
    for package in ("models", "pipelines", "hindsight"):
        yield package
        for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            if not info.name.startswith(SKIP):
                yield info.name


def test_every_exception_class_is_under_the_root_and_names_are_unique():
    found = {}
    for name in _modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == name:
                found[f"{name}.{value.__qualname__}"] = value
    assert len(found) >= 15, sorted(found)  # the stages' own errors were found at all
    outside = sorted(k for k, cls in found.items() if not issubclass(cls, errors.HindsightError))
    assert outside == [], f"exception classes outside the error tree: {outside}"
    names = [cls.__name__ for cls in errors.all_error_classes()]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    # the two git wrappers' GitError and the two ToolErrors are one class each now
    from models.attribution.gitrepo import GitError as attribution_git_error
    from models.feedback.tools import ToolError as feedback_tool_error
    from models.history.git import GitError as history_git_error

    assert attribution_git_error is history_git_error is errors.GitError
    assert feedback_tool_error is errors.ToolError


def test_leaves_keep_their_old_builtin_base():
    """A leaf that was a ValueError (or RuntimeError) still is: no handler elsewhere changes meaning."""
    from models.config import ConfigError
    from models.history.markers import MarkerError
    from models.sources.ingest import IngestError
    from models.sources.logformat import LogFormatError

    assert issubclass(ConfigError, ValueError) and issubclass(MarkerError, ValueError)
    assert issubclass(LogFormatError, ValueError) and issubclass(IngestError, RuntimeError)


KIND_CODES = [
    (errors.ConfigError, ExitCode.CONFIG),
    (errors.InputError, ExitCode.INPUT),
    (errors.WarehouseError, ExitCode.INPUT),
    (errors.RepositoryError, ExitCode.CONFIG),
    (errors.GitError, ExitCode.TOOL),
    (errors.ToolError, ExitCode.TOOL),
    (errors.WarehouseBusy, ExitCode.TOOL),
    (errors.HindsightError, ExitCode.INTERNAL),
]


@pytest.mark.parametrize(("cls", "code"), KIND_CODES, ids=[c.__name__ for c, _ in KIND_CODES])
def test_each_kind_has_its_exit_code_raised_or_as_a_failed_step(cls, code):
    assert exit_code(describe(cls("what went wrong"))) == code
    step = describe_by_name(cls.__name__, "what went wrong")
    assert type(step) is cls and exit_code(step) == code and step.message == "what went wrong"


def test_a_leaf_maps_by_its_kind_and_keeps_its_own_hint():
    from models.feedback.service import NothingToRelease
    from models.history.markers import MarkerError

    marker = describe(MarkerError("markers.toml: marker 'x' has no tool"))
    assert exit_code(marker) == ExitCode.CONFIG and "marker file" in marker.hint
    nothing = describe_by_name("NothingToRelease", "nothing to export")
    assert isinstance(nothing, NothingToRelease) and exit_code(nothing) == ExitCode.INPUT
    assert "hindsight run" in nothing.hint


def test_anything_else_is_an_internal_error_even_when_named_like_a_builtin():
    bug = describe(ValueError("invalid literal for int() with base 10: 'x'"))
    assert exit_code(bug) == ExitCode.INTERNAL and bug.message.startswith("internal error: ValueError:")
    step = describe_by_name("JSONDecodeError", "Expecting value: line 1 column 1 (char 0)")
    assert exit_code(step) == ExitCode.INTERNAL and "bug" in step.hint
