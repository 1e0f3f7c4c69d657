"""Release strings ↔ revisions, both ways, from tags and from an explicit release table."""

from __future__ import annotations

import pytest

from models.history import ingest_repository, load_markers, releases_of_commit, resolve_release
from models.history.releases import compile_release_pattern
from models.warehouse import connect

from .conftest import GitRepo

MARKERS = load_markers()


@pytest.fixture
def released(tmp_path):
    """main: c0 (v1.0.0) → c1 → c2 (v1.1.0, annotated) → c3 → c4; release branch: c0 → h1 (v1.0.1)."""
    repo = GitRepo(tmp_path / "repo")
    c = [repo.commit("c0\n")]
    repo.tag("v1.0.0")
    c.append(repo.commit("c1\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n"))
    c.append(repo.commit("c2\n"))
    repo.tag("v1.1.0", annotated=True)
    c.append(repo.commit("c3\n"))
    c.append(repo.commit("c4\n"))
    repo.git("checkout", "-q", "-b", "release-1.0", c[0])
    hotfix = repo.commit("hotfix\n")
    repo.tag("v1.0.1")
    repo.tag("not-a-release")
    repo.git("checkout", "-q", "main")
    con = connect(tmp_path / "w.duckdb")
    return repo, con, c, hotfix


def test_release_to_revision_accepts_event_forms(released):
    repo, con, c, hotfix = released
    ingest_repository(con, repo.config(release_pattern="v{version}"), MARKERS)
    for form in ("1.1.0", "v1.1.0", "1.1.0+build.7", "shop@1.1.0", "V1.1.0", " 1.1.0 "):
        assert resolve_release(con, "shop", form) == c[2], form
    assert resolve_release(con, "shop", "1.0.1") == hotfix
    assert resolve_release(con, "shop", "9.9.9") is None
    assert resolve_release(con, "shop", "") is None
    assert resolve_release(con, "shop", c[3][:10]) == c[3]  # sha releases (Sentry's default) resolve too
    assert resolve_release(con, "other-repo", "1.1.0") is None
    rows = con.execute("SELECT release, tag, version, service FROM releases ORDER BY release").fetchall()
    assert rows == [
        ("1.0.0", "v1.0.0", "1.0.0", None),
        ("1.0.1", "v1.0.1", "1.0.1", None),
        ("1.1.0", "v1.1.0", "1.1.0", None),
    ]


def test_revision_to_release(released):
    repo, con, c, hotfix = released
    ingest_repository(con, repo.config(release_pattern="v{version}"), MARKERS)
    assert releases_of_commit(con, "shop", c[0]) == ["1.0.0", "1.1.0", "1.0.1"]  # by release time
    assert releases_of_commit(con, "shop", c[1]) == ["1.1.0"]
    assert releases_of_commit(con, "shop", c[1][:12]) == ["1.1.0"]
    assert releases_of_commit(con, "shop", hotfix) == ["1.0.1"]
    assert releases_of_commit(con, "shop", c[4]) == []
    # commits first shipped per release, and the views built on it
    first = dict(con.execute("SELECT sha, first_release FROM commits").fetchall())
    assert (first[c[0]], first[c[1]], first[c[2]], first[hotfix], first[c[3]]) == (
        "1.0.0",
        "1.1.0",
        "1.1.0",
        "1.0.1",
        None,
    )
    view = con.execute(
        "SELECT release, previous_release, commits, ai_authored_commits FROM releases ORDER BY released_at"
    ).fetchall()
    assert view == [("1.0.0", None, 1, 0), ("1.1.0", "1.0.0", 2, 1), ("1.0.1", "1.1.0", 1, 0)]


def test_service_pattern_and_explicit_table_wins(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    a = repo.commit("a\n")
    repo.tag("shop@1.0.0")
    b = repo.commit("b\n")
    repo.tag("billing@1.0.0")
    d = repo.commit("d\n")
    repo.tag("shop@1.4.2")
    off_branch = repo.git("commit-tree", "-p", a, "-m", "built from a detached tree", f"{a}^{{tree}}")
    cfg = repo.config(
        release_pattern="{service}@{version}", release_table={"shop@1.4.2": a, "shop@2.0.0": off_branch}
    )
    con = connect(tmp_path / "w.duckdb")
    ingest_repository(con, cfg, MARKERS)
    assert resolve_release(con, "shop", "shop@1.0.0") == a
    assert resolve_release(con, "shop", "billing@1.0.0") == b
    assert resolve_release(con, "shop", "billing@v1.0.0") == b
    assert resolve_release(con, "shop", "shop@1.4.2") == a  # the table beats the tag (which names d)
    assert resolve_release(con, "shop", "2.0.0") == off_branch
    assert resolve_release(con, "shop", "cart@1.0.0") is None
    # a table revision outside every branch is ingested, so its release has a time
    assert con.execute(
        "SELECT released_at IS NOT NULL, source FROM releases WHERE release = 'shop@2.0.0'"
    ).fetchone() == (True, "release_table")
    assert releases_of_commit(con, "shop", d) == []
    assert releases_of_commit(con, "shop", b) == ["billing@1.0.0"]


def test_bad_release_configuration_is_a_clear_error(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit("a\n")
    con = connect(tmp_path / "w.duckdb")
    with pytest.raises(ValueError, match="names no commit"):
        ingest_repository(con, repo.config(release_table={"1.0.0": "no-such-rev"}), MARKERS)
    with pytest.raises(ValueError, match="must contain"):
        compile_release_pattern("release-{service}")
    with pytest.raises(ValueError, match="unknown placeholder"):
        compile_release_pattern("{app}-{version}")
    assert con.execute("SELECT count(*) FROM core.commits").fetchone()[0] == 0


def test_release_patterns():
    rx = compile_release_pattern("{service}-v{version}")
    assert rx.match("shop-api-v1.2.3").groupdict() == {"service": "shop-api", "version": "1.2.3"}
    assert compile_release_pattern(None).match("v2.0.1")["version"] == "2.0.1"
    assert compile_release_pattern(None).match("nightly") is None
    assert compile_release_pattern("v{version}").match("v1.2.3-rc.1")["version"] == "1.2.3-rc.1"


def test_fixed_service_pattern_keeps_the_release_as_events_carry_it(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    a = repo.commit("a\n")
    repo.tag("shop@1.4.2")
    repo.tag("v9.9.9")  # does not match the pattern: not a release
    con = connect(tmp_path / "w.duckdb")
    ingest_repository(con, repo.config(release_pattern="shop@{version}"), MARKERS)
    assert con.execute("SELECT release, service, version, tag FROM releases").fetchall() == [
        ("shop@1.4.2", "shop", "1.4.2", "shop@1.4.2")
    ]
    assert resolve_release(con, "shop", "shop@1.4.2") == a
    assert resolve_release(con, "shop", "1.4.2") == a
    assert resolve_release(con, "shop", "9.9.9") is None


def test_release_commits_follow_new_and_deleted_tags(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    c0 = repo.commit("c0\n")
    repo.tag("v1.0.0")
    c1 = repo.commit("c1\n")
    repo.tag("v1.1.0")
    c2 = repo.commit("c2\n")
    con = connect(tmp_path / "w.duckdb")
    cfg = repo.config(release_pattern="v{version}")

    def shipped():
        rows = con.execute("SELECT release, sha FROM core.release_commits ORDER BY release, sha").fetchall()
        return {rel: sorted(s for r, s in rows if r == rel) for rel, _ in rows}

    ingest_repository(con, cfg, MARKERS)
    assert shipped() == {"1.0.0": [c0], "1.1.0": [c1]}
    c3 = repo.commit("c3\n")
    repo.tag("v1.2.0")
    ingest_repository(con, cfg, MARKERS)
    assert shipped() == {"1.0.0": [c0], "1.1.0": [c1], "1.2.0": sorted([c2, c3])}
    repo.git("tag", "-d", "v1.1.0")
    ingest_repository(con, cfg, MARKERS)
    assert shipped() == {"1.0.0": [c0], "1.2.0": sorted([c1, c2, c3])}
    assert releases_of_commit(con, "shop", c1) == ["1.2.0"]


def test_revision_to_release_without_the_repository_on_disk(released):
    repo, con, c, _hotfix = released
    ingest_repository(con, repo.config(release_pattern="v{version}"), MARKERS)
    repo.path.rename(repo.path.with_name("moved"))
    # only the release that first shipped it is known from the warehouse alone
    assert releases_of_commit(con, "shop", c[0]) == ["1.0.0"]
    assert releases_of_commit(con, "shop", c[1][:12]) == ["1.1.0"]
    assert resolve_release(con, "shop", "v1.1.0") == c[2]
