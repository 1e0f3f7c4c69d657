"""The marker file and the classifier: every marker kind detected with the right tool and kind."""

from __future__ import annotations

import tomllib

import pytest

from models.history import MarkerError, classify_commit, load_markers
from models.history.markers import DEFAULT_MARKER_FILE, KINDS

from .examples import AI_EXAMPLES, HUMAN, UNMARKED_EXAMPLES

MARKERS = load_markers()
MARKER_EXAMPLES = [(m.id, ex) for m in MARKERS.markers for ex in m.examples]
MARKER_NON_EXAMPLES = [(m.id, ex) for m in MARKERS.markers for ex in m.non_examples]


def place(marker, text: str) -> tuple[str, str, str]:
    """(author, committer, message) carrying `text` where the marker looks for it."""
    if marker.target == "author":
        return text, HUMAN, "Subject\n"
    if marker.target == "committer":
        return HUMAN, text, "Subject\n"
    if marker.regex.startswith(r"\A"):  # subject markers
        return HUMAN, HUMAN, text + "\n"
    return HUMAN, HUMAN, f"Subject line\n\nSome body text.\n\n{text}\n"


def test_marker_file_covers_every_kind_and_tool():
    assert {m.kind for m in MARKERS.markers} == set(KINDS)
    tools = {m.tool for m in MARKERS.markers}
    for tool in (
        "claude_code",
        "copilot_agent",
        "copilot",
        "cursor",
        "aider",
        "codex",
        "devin",
        "jules",
        "amp",
        "opencode",
        "generic",
    ):
        assert tool in tools
    assert all(m.examples for m in MARKERS.markers), "every marker documents at least one example"


@pytest.mark.parametrize(
    ("marker_id", "text"), MARKER_EXAMPLES, ids=[f"{i}:{n}" for n, (i, _) in enumerate(MARKER_EXAMPLES)]
)
def test_each_marker_example_is_detected(marker_id, text):
    marker = MARKERS.by_id(marker_id)
    result = classify_commit(*place(marker, text), MARKERS)
    assert marker_id in [m["marker_id"] for m in result.matches]
    assert result.tool == marker.tool
    assert result.evidence_kind == marker.kind
    expected = "ai_authored" if marker.meaning == "ai_authored" else "ai_committed_only"
    assert result.origin == expected
    assert result.ai_authored is (expected == "ai_authored")


@pytest.mark.parametrize(("marker_id", "text"), MARKER_NON_EXAMPLES)
def test_marker_non_examples_are_not_detected(marker_id, text):
    marker = MARKERS.by_id(marker_id)
    result = classify_commit(*place(marker, text), MARKERS)
    assert marker_id not in [m["marker_id"] for m in result.matches]


@pytest.mark.parametrize(
    ("case", "author", "committer", "message", "tool", "kind", "origin"),
    AI_EXAMPLES,
    ids=[e[0] for e in AI_EXAMPLES],
)
def test_realistic_ai_commits(case, author, committer, message, tool, kind, origin):
    result = classify_commit(author, committer, message, MARKERS)
    assert (result.tool, result.evidence_kind, result.origin) == (tool, kind, origin)
    assert result.evidence and len(result.evidence) <= 300
    assert result.ai_authored is (origin == "ai_authored")


def test_realistic_examples_exercise_every_marker():
    """Every shipped marker fires on at least one hand-written commit (a broken regex fails here)."""
    fired = set()
    for _case, author, committer, message, *_ in AI_EXAMPLES:
        fired |= {m["marker_id"] for m in classify_commit(author, committer, message, MARKERS).matches}
    assert fired == {m.id for m in MARKERS.markers}


@pytest.mark.parametrize(
    ("case", "author", "committer", "message"), UNMARKED_EXAMPLES, ids=[e[0] for e in UNMARKED_EXAMPLES]
)
def test_unmarked_commits_are_unknown_never_human(case, author, committer, message):
    result = classify_commit(author, committer, message, MARKERS)
    assert result.origin == "unknown/human"
    assert not result.ai_authored and result.tool is None and result.matches == []


def test_committer_only_aider_is_not_ai_authored():
    result = classify_commit(
        "Paul <paul@example.com>", "Paul (aider) <paul@example.com>", "fix: typo\n", MARKERS
    )
    assert result.origin == "ai_committed_only" and result.ai_authored is False and result.tool == "aider"


def test_crlf_and_trailing_blanks_do_not_hide_trailers():
    msg = "Fix\r\n\r\nCo-Authored-By: Claude <noreply@anthropic.com>   \r\n"
    assert classify_commit(HUMAN, HUMAN, msg, MARKERS).tool == "claude_code"


def test_all_matches_reported_best_first():
    msg = "Add\n\n🤖 Generated with [Claude Code](https://claude.ai/code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n"
    result = classify_commit(HUMAN, "P (aider) <p@x.org>", msg, MARKERS)
    ids = [m["marker_id"] for m in result.matches]
    assert ids == ["claude_code.co_author", "claude_code.generated_line", "aider.committer"]


def test_extra_marker_file_adds_replaces_and_disables(tmp_path):
    extra = tmp_path / "team.toml"
    extra.write_text(
        """
[[markers]]
id = "team.windsurf"
tool = "generic"
kind = "trailer"
target = "message"
meaning = "ai_authored"
regex = '^Co-authored-by: Windsurf <windsurf@codeium\\.com>$'
examples = ["Co-authored-by: Windsurf <windsurf@codeium.com>"]

[[markers]]
id = "cursor.made_with"
enabled = false
""",
        encoding="utf-8",
    )
    markers = load_markers([extra])
    assert "team.windsurf" in {m.id for m in markers.markers}
    assert "cursor.made_with" not in {m.id for m in markers.markers}
    assert markers.digest != MARKERS.digest
    hit = classify_commit(HUMAN, HUMAN, "X\n\nCo-authored-by: Windsurf <windsurf@codeium.com>\n", markers)
    assert hit.marker_id == "team.windsurf" and hit.ai_authored
    assert classify_commit(HUMAN, HUMAN, "X\n\nMade-with: Cursor\n", markers).origin == "unknown/human"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'id = "x"\ntool = "generic"\nkind = "trailer"\ntarget = "message"\nmeaning = "ai_authored"\nregex = "(unclosed"',
            "invalid regex",
        ),
        (
            'id = "x"\ntool = "generic"\nkind = "smell"\ntarget = "message"\nmeaning = "ai_authored"\nregex = "a"',
            "kind must",
        ),
        (
            'id = "x"\ntool = "generic"\nkind = "trailer"\ntarget = "message"\nmeaning = "ai_authored"\nregex = "(?=a)b"',
            "invalid regex",
        ),
        (
            (
                'id = "x"\ntool = "generic"\nkind = "trailer"\ntarget = "message"\nmeaning = "ai_authored"\nregex = "^A: b$"\n'
                'examples = ["nope"]'
            ),
            "does not match its own example",
        ),
        ('tool = "generic"', "'id' is required"),
    ],
)
def test_bad_marker_files_give_clear_errors(tmp_path, body, message):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[markers]]\n" + body + "\n", encoding="utf-8")
    with pytest.raises(MarkerError, match=message) as info:
        load_markers([bad])
    assert str(bad) in str(info.value)


def test_missing_marker_file_is_a_clear_error(tmp_path):
    with pytest.raises(MarkerError, match="not found"):
        load_markers([tmp_path / "nope.toml"])


def test_default_marker_file_is_data():
    """Markers live in the TOML file, one entry each, with unique ids and a source."""
    raw = tomllib.loads(DEFAULT_MARKER_FILE.read_text(encoding="utf-8"))["markers"]
    assert [r["id"] for r in raw] == [m.id for m in MARKERS.markers]
    assert all(r.get("source") for r in raw)
