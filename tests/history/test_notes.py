"""git-ai notes (refs/notes/ai, authorship/3.0.0) read into core.ai_line_ranges."""

from __future__ import annotations

import json

import pytest

from models.history import ingest_repository, load_markers, parse_note
from models.history.notes import NoteError
from models.warehouse import connect

from .conftest import GitRepo

S1 = "s_0123456789abcd::t_00112233445566"
H1 = "h_aabbccddeeff00"
LEGACY = "d9978a8723e02b52"


def note(attestation: str, meta: dict) -> str:
    return (
        attestation.rstrip("\n")
        + "\n---\n"
        + json.dumps({"schema_version": "authorship/3.0.0", **meta}, indent=2)
    )


CURSOR_META = {
    "base_commit_sha": "0" * 40,
    "sessions": {
        "s_0123456789abcd": {"agent_id": {"tool": "cursor", "id": "6ef2", "model": "claude-4.5-opus"}}
    },
    "prompts": {LEGACY: {"agent_id": {"tool": "claude", "id": "x", "model": "m"}, "messages": []}},
}


def test_parse_note_keys_ranges_tools_and_quoted_paths():
    text = note(f'src/shop/http.py\n  {S1} 1-4,9\n  {H1} 5-8\n"src/my file.py"\n  {LEGACY} 12\n', CURSOR_META)
    rows = parse_note(text)
    assert [(r["path"], r["line_start"], r["line_end"], r["author_kind"], r["ai_tool"]) for r in rows] == [
        ("src/shop/http.py", 1, 4, "ai", "cursor"),
        ("src/shop/http.py", 9, 9, "ai", "cursor"),
        ("src/shop/http.py", 5, 8, "human", None),
        ("src/my file.py", 12, 12, "ai", "claude_code"),
    ]
    assert rows[0]["session_key"] == S1


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("src/a.py\n  " + S1 + " 1-2\n", "divider"),
        ("src/a.py\n  " + S1 + ' 1-2\n---\n{"schema_version": "authorship/2.0.0"}', "unsupported schema"),
        ("src/a.py\n  " + S1 + " 1-2\n---\nnot json", "not JSON"),
        ("src/a.py\n  " + S1 + ' 1 - 2\n---\n{"schema_version": "authorship/3.0.0"}', "malformed"),
        ('src/a.py\n  zz_weird 1-2\n---\n{"schema_version": "authorship/3.0.0"}', "unknown attestation key"),
    ],
)
def test_bad_notes_are_rejected(text, error):
    with pytest.raises(NoteError, match=error):
        parse_note(text)


def test_notes_read_into_line_ranges_and_commit_origin(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    unmarked = repo.commit(
        "Add http client\n", {"src/shop/http.py": "".join(f"line {i}\n" for i in range(12))}
    )
    marked = repo.commit(
        "Add retry\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n", {"src/shop/retry.py": "r\n"}
    )
    human_only = repo.commit("Docs\n", {"README.md": "hi\n"})
    plain = repo.commit("Plain\n")
    repo.note(unmarked, note(f"src/shop/http.py\n  {S1} 1-4,9\n  {H1} 5-8\n", CURSOR_META))
    repo.note(marked, note(f"src/shop/retry.py\n  {LEGACY} 1\n", CURSOR_META))
    repo.note(human_only, note(f"README.md\n  {H1} 1\n", {}))
    repo.note(plain, "not a git-ai note at all")
    con = connect(tmp_path / "w.duckdb")
    cfg = repo.config()
    counts = ingest_repository(con, cfg, load_markers())
    assert (counts["notes_read"], counts["notes_skipped"]) == (3, 1)

    ranges = con.execute(
        "SELECT sha, path, line_start, line_end, author_kind, ai_tool FROM core.ai_line_ranges "
        "ORDER BY sha = ? DESC, line_start",
        [unmarked],
    ).fetchall()
    assert ranges[:3] == [
        (unmarked, "src/shop/http.py", 1, 4, "ai", "cursor"),
        (unmarked, "src/shop/http.py", 5, 8, "human", None),
        (unmarked, "src/shop/http.py", 9, 9, "ai", "cursor"),
    ]
    # An unmarked commit with AI lines in its note is AI-authored, with git_ai_note evidence.
    origin = con.execute(
        "SELECT origin, ai_tool, evidence_kind, evidence FROM core.commit_ai WHERE sha = ?", [unmarked]
    ).fetchone()
    assert origin[:3] == ("ai_authored", "cursor", "git_ai_note") and "5 AI lines" in origin[3]
    # A commit marker keeps its own evidence; human-only notes assert nothing.
    assert (
        con.execute("SELECT evidence_kind FROM core.commit_ai WHERE sha = ?", [marked]).fetchone()[0]
        == "trailer"
    )
    assert (
        con.execute("SELECT origin FROM core.commit_ai WHERE sha = ?", [human_only]).fetchone()[0]
        == "unknown/human"
    )
    assert con.execute("SELECT ai_line_ranges FROM ai_commits WHERE sha = ?", [unmarked]).fetchone()[0] == 2

    # Notes removed later: ranges go, and the commit falls back to its commit-level markers.
    repo.git("notes", "--ref=ai", "remove", unmarked)
    again = ingest_repository(con, cfg, load_markers())
    assert again["reclassified"] == 4
    assert (
        con.execute("SELECT count(*) FROM core.ai_line_ranges WHERE sha = ?", [unmarked]).fetchone()[0] == 0
    )
    assert (
        con.execute("SELECT origin FROM core.commit_ai WHERE sha = ?", [unmarked]).fetchone()[0]
        == "unknown/human"
    )
    assert ingest_repository(con, cfg, load_markers())["mode"] == "unchanged"
