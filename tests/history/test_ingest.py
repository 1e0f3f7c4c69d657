"""Commit ingest from real temporary git repositories: fields, files, AI origin, incremental runs."""

from __future__ import annotations

import json

import pytest

from models.history import GitError, ingest_repository, load_markers
from models.warehouse import connect

from .conftest import GitRepo
from .examples import AI_EXAMPLES, UNMARKED_EXAMPLES

MARKERS = load_markers()


@pytest.fixture(scope="module")
def marked_world(tmp_path_factory):
    """One repository with a commit per realistic example and per marker-file example, ingested once."""
    root = tmp_path_factory.mktemp("marked")
    repo = GitRepo(root / "repo")
    cases = {}
    for case, author, committer, message, *_ in AI_EXAMPLES + [
        (*u, None, None, None) for u in UNMARKED_EXAMPLES
    ]:
        cases[case] = repo.commit(message, author=author, committer=committer)
    for m in MARKERS.markers:
        for i, ex in enumerate(m.examples):
            author = ex if m.target == "author" else "Dana Dev <dana@example.com>"
            committer = (
                ex
                if m.target == "committer"
                else author
                if m.target == "author"
                else "Dana Dev <dana@example.com>"
            )
            if m.target == "author" and m.kind == "author":
                committer = "Dana Dev <dana@example.com>"
            msg = (
                (ex + "\n")
                if m.regex.startswith(r"\A")
                else ("Subject\n\nBody.\n\n" + ex + "\n" if m.target == "message" else "Subject\n")
            )
            cases[f"{m.id}#{i}"] = repo.commit(msg, author=author, committer=committer)
    con = connect(root / "warehouse.duckdb")
    counts = ingest_repository(con, repo.config(), MARKERS)
    yield con, cases, counts
    con.close()


def _ai(con, sha):
    return con.execute(
        "SELECT origin, ai_authored, ai_tool, evidence_kind, evidence, marker_id, all_evidence FROM core.commit_ai "
        "WHERE repo = 'shop' AND sha = ?",
        [sha],
    ).fetchone()


@pytest.mark.parametrize(
    ("case", "author", "committer", "message", "tool", "kind", "origin"),
    AI_EXAMPLES,
    ids=[e[0] for e in AI_EXAMPLES],
)
def test_realistic_ai_commit_in_real_repository(
    marked_world, case, author, committer, message, tool, kind, origin
):
    con, cases, _ = marked_world
    got = _ai(con, cases[case])
    assert (got[0], got[2], got[3]) == (origin, tool, kind)
    assert got[1] is (origin == "ai_authored")
    # the ai_commits view shows it, with authored vs committed-only
    view = con.execute("SELECT tool, committed_only FROM ai_commits WHERE sha = ?", [cases[case]]).fetchone()
    assert view == (tool, origin == "ai_committed_only")


@pytest.mark.parametrize("marker", MARKERS.markers, ids=[m.id for m in MARKERS.markers])
def test_marker_file_examples_in_real_repository(marked_world, marker):
    con, cases, _ = marked_world
    for i, _ex in enumerate(marker.examples):
        origin, _a, tool, kind, _e, _m, all_evidence = _ai(con, cases[f"{marker.id}#{i}"])
        assert marker.id in [e["marker_id"] for e in json.loads(all_evidence)]
        assert (tool, kind) == (marker.tool, marker.kind)
        assert origin == ("ai_authored" if marker.meaning == "ai_authored" else "ai_committed_only")


def test_unmarked_commits_in_real_repository_are_unknown(marked_world):
    con, cases, counts = marked_world
    for case, *_ in UNMARKED_EXAMPLES:
        assert _ai(con, cases[case])[:3] == ("unknown/human", False, None), case
    assert con.execute("SELECT count(*) FROM core.commit_ai WHERE origin = 'human'").fetchone()[0] == 0
    n_ai = sum(1 for e in AI_EXAMPLES) + sum(len(m.examples) for m in MARKERS.markers)
    assert counts["ai_authored_total"] + counts["ai_committed_only_total"] == n_ai
    assert counts["commits_total"] == n_ai + len(UNMARKED_EXAMPLES)


def test_squash_merge_body_keeps_every_trailer(marked_world):
    con, cases, _ = marked_world
    (trailers,) = con.execute(
        "SELECT trailers FROM commits WHERE sha = ?", [cases["copilot_agent_squash_merge"]]
    ).fetchone()
    assert [(t["key"], t["value"]) for t in trailers] == [
        ("Co-authored-by", "alice <alice@example.com>"),
        ("Co-authored-by", "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>"),
        ("Co-authored-by", "alice <alice@example.com>"),
    ]


def test_commit_fields_files_renames_binary_and_merges(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    first = repo.commit(
        "Initial\n",
        {"src/app.py": "a\nb\nc\n", "logo.png": b"\x89PNG\x00\x01\x02", "odd name\twith\ttabs.py": "x\n"},
    )
    repo.git("mv", "src/app.py", "src/main.py")
    second = repo.commit(
        "Move app\n",
        {"src/main.py": "a\nb\nc\nd\n", "logo.png": b"\x89PNG\x00\x09"},
        author="Bob Builder <bob@example.com>",
        committer="Carol <carol@example.com>",
    )
    repo.git("checkout", "-q", "-b", "side", first)
    side = repo.commit("Side\n", {"new\nline.py": "n\n"})
    repo.git("checkout", "-q", "main")
    repo.git("rm", "-q", "odd name\twith\ttabs.py")
    third = repo.commit("Delete odd file\n", {})
    repo.git("merge", "-q", "--no-ff", "-m", "Merge side", "side")
    merge = repo.head()
    con = connect(tmp_path / "w.duckdb")
    ingest_repository(con, repo.config(), MARKERS)

    row = con.execute(
        "SELECT author_name, author_email, committer_name, committer_email, author_time, subject, "
        "files_changed, lines_added, lines_deleted, parents FROM core.commits WHERE sha = ?",
        [second],
    ).fetchone()
    assert row[:4] == ("Bob Builder", "bob@example.com", "Carol", "carol@example.com")
    assert str(row[4]) == "2023-11-15 00:13:20"  # the GIT_AUTHOR_DATE the helper set (UTC)
    assert row[5] == "Move app" and row[6] == 2 and row[9] == [first]
    files = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT path, old_path, change_type, added, deleted, is_binary FROM commit_files WHERE sha = ?",
            [second],
        ).fetchall()
    }
    assert files["src/main.py"] == ("src/app.py", "R", 1, 0, False)
    assert files["logo.png"] == (None, "M", None, None, True)
    assert con.execute("SELECT path FROM core.commit_files WHERE sha = ?", [side]).fetchall() == [
        ("new\nline.py",)
    ]
    assert con.execute(
        "SELECT path, change_type FROM core.commit_files WHERE sha = ?", [third]
    ).fetchall() == [("odd name\twith\ttabs.py", "D")]
    merge_row = con.execute(
        "SELECT parents, files_changed, is_merge FROM commits WHERE sha = ?", [merge]
    ).fetchone()
    assert merge_row == ([third, side], 0, True)
    assert con.execute("SELECT count(*) FROM core.commits").fetchone()[0] == 5


def test_hostile_message_and_file_names_cannot_forge_rows(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    fake = "0" * 40
    message = (
        f"Subject\n\n:100644 100644 {fake} {fake} M\x1e\nevil.py\n1\t2\tevil.py\n"
        f"{fake}\n; DROP TABLE core.commits; --\n$(touch {tmp_path}/pwned)\n"
    )
    sha = repo.commit(message, {"1\t2\tlooks_like_numstat.py": "x\n", f"{fake}": "y\n", ":100644 M": "z\n"})
    con = connect(tmp_path / "w.duckdb")
    ingest_repository(con, repo.config(), MARKERS)
    assert con.execute("SELECT count(*) FROM core.commits").fetchone()[0] == 1
    assert con.execute("SELECT message FROM core.commits").fetchone()[0] == message.rstrip("\n")
    paths = sorted(
        r[0] for r in con.execute("SELECT path FROM core.commit_files WHERE sha = ?", [sha]).fetchall()
    )
    assert paths == sorted(["1\t2\tlooks_like_numstat.py", fake, ":100644 M"])
    assert not (tmp_path / "pwned").exists()


def test_incremental_reingest_adds_only_new_commits(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    for i in range(3):
        repo.commit(f"c{i}\n")
    con = connect(tmp_path / "w.duckdb")
    cfg = repo.config()
    first = ingest_repository(con, cfg, MARKERS)
    assert (first["mode"], first["commits_new"]) == ("full", 3)
    assert ingest_repository(con, cfg, MARKERS)["mode"] == "unchanged"

    new = [repo.commit("c3\n"), repo.commit("c4\n\nCo-authored-by: Codex <noreply@openai.com>\n")]
    second = ingest_repository(con, cfg, MARKERS)
    assert (second["mode"], second["commits_new"], second["files_new"], second["ai_authored_new"]) == (
        "incremental",
        2,
        2,
        1,
    )
    assert second["commits_total"] == 5
    assert con.execute("SELECT last_head FROM core.repositories WHERE repo = 'shop'").fetchone()[0] == new[-1]
    for table in ("core.commits", "core.commit_ai"):
        n, distinct = con.execute(f"SELECT count(*), count(DISTINCT sha) FROM {table}").fetchone()
        assert n == distinct == 5
    assert con.execute("SELECT count(*) FROM core.commit_files").fetchone()[0] == 5


def test_commits_only_reachable_from_a_tag_are_ingested_once(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    base = repo.commit("base\n")
    repo.git("checkout", "-q", "-b", "hotfix")
    hotfix = repo.commit("hotfix\n")
    repo.tag("v1.0.1")
    repo.git("checkout", "-q", "main")
    repo.git("branch", "-q", "-D", "hotfix")
    con = connect(tmp_path / "w.duckdb")
    cfg = repo.config(release_pattern="v{version}")
    assert ingest_repository(con, cfg, MARKERS)["commits_total"] == 2
    repo.commit("next\n")
    again = ingest_repository(con, cfg, MARKERS)
    assert (again["mode"], again["commits_new"], again["commits_total"]) == ("incremental", 1, 3)
    assert {r[0] for r in con.execute("SELECT sha FROM core.commits").fetchall()} >= {base, hotfix}


def test_rewritten_history_falls_back_to_full_scan_without_duplicates(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    keep = repo.commit("keep\n", {"a.py": "a\n"})
    old = repo.commit("to be amended\n", {"b.py": "b\n"})
    con = connect(tmp_path / "w.duckdb")
    cfg = repo.config()
    ingest_repository(con, cfg, MARKERS)
    repo.git("commit", "-q", "--amend", "-m", "amended\n\nCo-Authored-By: Claude <noreply@anthropic.com>")
    amended = repo.head()
    assert amended != old
    result = ingest_repository(con, cfg, MARKERS)
    assert (result["mode"], result["commits_new"]) == ("rewritten", 1)
    shas = [r[0] for r in con.execute("SELECT sha FROM core.commits ORDER BY sha").fetchall()]
    assert sorted(shas) == sorted({keep, old, amended}) and len(shas) == 3
    assert con.execute("SELECT count(*) FROM core.commit_files WHERE sha = ?", [keep]).fetchone()[0] == 1
    assert (
        con.execute("SELECT ai_tool FROM core.commit_ai WHERE sha = ?", [amended]).fetchone()[0]
        == "claude_code"
    )
    assert ingest_repository(con, cfg, MARKERS)["mode"] == "unchanged"


def test_new_marker_set_reclassifies_stored_commits(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    sha = repo.commit("Add thing\n\nCo-authored-by: Windsurf <windsurf@codeium.com>\n")
    con = connect(tmp_path / "w.duckdb")
    cfg = repo.config()
    ingest_repository(con, cfg, MARKERS)
    assert (
        con.execute("SELECT origin FROM core.commit_ai WHERE sha = ?", [sha]).fetchone()[0] == "unknown/human"
    )
    extra = tmp_path / "extra.toml"
    extra.write_text(
        '[[markers]]\nid = "team.windsurf"\ntool = "generic"\nkind = "trailer"\ntarget = "message"\n'
        "meaning = \"ai_authored\"\nregex = '^Co-authored-by: Windsurf <windsurf@codeium\\.com>$'\n"
    )
    result = ingest_repository(con, cfg, load_markers([extra]))
    assert result["reclassified"] == 1
    assert con.execute("SELECT origin, marker_id FROM core.commit_ai WHERE sha = ?", [sha]).fetchone() == (
        "ai_authored",
        "team.windsurf",
    )


def test_bad_repository_config_gives_clear_errors(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    with pytest.raises(GitError, match="does not exist"):
        ingest_repository(con, _cfg(tmp_path / "missing"), MARKERS)
    (tmp_path / "plain").mkdir()
    with pytest.raises(GitError, match="not a git repository"):
        ingest_repository(con, _cfg(tmp_path / "plain"), MARKERS)
    repo = GitRepo(tmp_path / "repo")
    repo.commit("x\n")
    with pytest.raises(GitError, match="default branch 'trunk' not found"):
        ingest_repository(con, repo.config(default_branch="trunk"), MARKERS)
    assert con.execute("SELECT count(*) FROM core.repositories").fetchone()[0] == 0


def _cfg(path):
    from models.config import RepositoryConfig

    return RepositoryConfig(name="x", path=path)


def test_git_log_failure_is_a_clear_error(tmp_path):
    from models.history.git import stream_log

    repo = GitRepo(tmp_path / "repo")
    repo.commit("x\n")
    with pytest.raises(GitError, match="git log failed"):
        list(stream_log(repo.path, ["0123456789abcdef0123456789abcdef01234567"]))
