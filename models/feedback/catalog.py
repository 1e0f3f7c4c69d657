"""What the feedback stage ships for every pack, beside the failure classes' own parts.

Each class's semgrep catalog rule, examples, ruff codes and banned APIs are declared with the class in
the registry (`models/failure_classes/`). ruff and semgrep never report the same construct: a ruff code
is shipped with a class only when it catches what the class's semgrep rule does not and stays quiet on
well-maintained code (benchmarks/feedback.py, tuning half of the corpus); each class's `ruff_left_out`
says why each other code of ANCHORS §6 is not shipped.
"""

from __future__ import annotations

# Production-failure rules are about code that runs in production: test code is excluded from the
# pack (semgrep `paths.exclude`, ruff `extend-per-file-ignores`).
SEMGREP_TEST_EXCLUDES = ("tests/", "test/", "test_*.py", "*_test.py", "conftest.py")
RUFF_TEST_GLOBS = ("**/tests/**", "**/test/**", "**/test_*.py", "**/*_test.py", "**/conftest.py")


def matching_body(rule) -> dict:
    """The matching part of a semgrep rule (`pattern`, `patterns`, `pattern-either`, ...)."""
    keys = ("pattern", "patterns", "pattern-either", "pattern-regex")
    return {k: v for k, v in rule.items() if k in keys}
