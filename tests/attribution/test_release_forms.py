"""Release strings as real builds print them, against real repositories: a setuptools-scm or versioneer
version and `git describe` output name their commit; a development version without a hash is placed by
inference from the frames' source lines (a tie stays unresolved); every blamed frame equals `git blame
-w` at the chosen revision."""

from __future__ import annotations

import pytest

from models.attribution import attribute, infer, resolve_frames
from models.history import ingest_repository
from models.history.releases import place_release, release_hint

from .helpers import GitRepoBuilder, add_event, config_for, event_frames, frame, git_blame_line, repo_config

HEAD = "import json\n\n\ndef load(raw):\n"
TAIL = "\n\ndef dump(obj):\n    return json.dumps(obj)\n"


def body(line: str) -> str:
    return HEAD + f"    {line}\n" + TAIL


@pytest.fixture
def world(tmp_path, warehouse):
    """v1.0.0 → c1 (line 5 rewritten) → c2 (rewritten again) → c3 (docs) → v1.1.0 (rewritten)."""
    repo = GitRepoBuilder(tmp_path / "svc")
    c0 = repo.commit({"svc/codec.py": body("return json.loads(raw)"), "README.md": "svc\n"}, "codec")
    repo.tag("v1.0.0")
    c1 = repo.commit({"svc/codec.py": body("return json.loads(raw or '{}')")}, "empty input")
    c2 = repo.commit({"svc/codec.py": body("return json.loads(raw)['data']")}, "unwrap data")
    c3 = repo.commit({"README.md": "svc, a codec\n"}, "docs")
    c4 = repo.commit({"svc/codec.py": body("return json.loads(raw).get('data')")}, "tolerate missing data")
    repo.tag("v1.1.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    return repo, cfg, [c0, c1, c2, c3, c4]


def rows(con) -> dict[str, tuple]:
    return {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT event_id, status, reason, revision, revision_source, revision_how, revision_agreeing, "
            "commit_sha, repo_path, line, detail FROM frame_attribution WHERE frame_index = 0"
        ).fetchall()
    }


def codec_frame(line: str) -> dict:
    # basename only, as a packaged app's crash report carries it
    return frame("codec.py", 5, line, pre_context=["", "def load(raw):"], post_context=["", ""])


def test_version_strings_parse_into_their_parts():
    scm = release_hint("svc@0.86.2.dev45+g5683f1c08")
    assert (scm.service, scm.form, scm.commit, scm.base, scm.distance) == ("svc", "local_hash", "5683f1c08", "0.86.2", 45)
    dated = release_hint("1.2.4.dev14+g2414721.d20260101")
    assert (dated.commit, dated.dirty) == ("2414721", True)
    vv = release_hint("1.2.3+14.g2414721.dirty")
    assert (vv.form, vv.commit, vv.distance, vv.dirty) == ("local_hash", "2414721", 14, True)
    desc = release_hint("v1.2.3-14-g2414721-dirty")
    assert (desc.form, desc.commit, desc.base, desc.distance, desc.dirty) == ("describe", "2414721", "1.2.3", 14, True)
    assert release_hint("2414721abc").form == "bare_hash"
    assert (release_hint("0.54.7-dev").form, release_hint("0.54.7-dev").base) == ("dev", "0.54.7")
    assert (release_hint("0.82.3.dev+import").form, release_hint("0.82.3.dev+import").commit) == ("dev", None)
    assert release_hint("1.4.2+build.7").form == "local"
    for broken in ("unknown", "0.0.0", "%(version)s", "0+unknown", "None"):
        assert release_hint(broken).form == "broken", broken
    assert release_hint("1.2.3+d20260101").commit is None  # a date is not a hash


def test_hashes_in_version_strings_name_their_commit(world, warehouse):
    repo, cfg, c = world
    forms = {
        "scm": (f"1.1.0.dev2+g{c[2][:9]}", "hash"),
        "scm_dirty": (f"1.1.0.dev2+g{c[2][:9]}.d20260105", "hash"),
        "versioneer": (f"1.0.0+2.g{c[2][:7]}.dirty", "hash"),
        "describe": (f"v1.0.0-2-g{c[2][:7]}", "describe"),
        "describe_dirty": (f"v1.0.0-2-g{c[2][:7]}-dirty", "describe"),
        "bare": (c[2][:12], "hash"),
    }
    for eid, (release, _) in forms.items():
        add_event(warehouse, eid, [codec_frame("return json.loads(raw)['data']")], release=release)
    attribute(warehouse, config_for(cfg))
    got = rows(warehouse)
    for eid, (_, how) in forms.items():
        status, reason, revision, source, got_how, _agree, commit, path, line, _ = got[eid]
        assert (status, reason, revision, source, got_how) == ("resolved", None, c[2], "release", how), eid
        assert (path, line, commit) == ("svc/codec.py", 5, c[2]), eid
        assert commit == git_blame_line(repo.path, revision, path, line)
    # The plain tag still wins over nothing; a '+local' label without hash is the tag.
    assert place_release(warehouse, "shop", "1.0.0+build.7") == (c[0], "tag")
    assert place_release(warehouse, "shop", "v1.1.0") == (c[4], "tag")


def test_a_hash_that_names_no_commit_falls_through_and_is_not_the_tag(world, warehouse):
    _repo, cfg, c = world
    # versioneer: 2 commits after 1.0.0, but the hash is not in this repository. Dropping the '+local'
    # part would wrongly give the 1.0.0 tag; instead the frame's text places it.
    add_event(warehouse, "foreign", [codec_frame("return json.loads(raw)['data']")], release="1.0.0+2.gdeadbee")
    resolve_frames(warehouse, config_for(cfg))
    got = rows(warehouse)["foreign"]
    assert got[:3] == ("resolved", None, c[2]) and got[4] == "inferred"
    assert place_release(warehouse, "shop", "1.0.0+2.gdeadbee") == (None, None)


def test_dev_version_without_hash_is_placed_only_by_text_inference(world, warehouse):
    repo, cfg, c = world
    add_event(warehouse, "dev_mid", [codec_frame("return json.loads(raw or '{}')")], release="1.1.0.dev1")
    add_event(warehouse, "dev_suffix", [codec_frame("return json.loads(raw)['data']")], release="1.1.0-dev")
    add_event(warehouse, "local_label", [codec_frame("return json.loads(raw)['data']")], release="1.1.0.dev+import")
    add_event(warehouse, "broken", [codec_frame("return json.loads(raw).get('data')")], release="%(version)s")
    add_event(warehouse, "nothing_matches", [codec_frame("return yaml.load(raw)")], release="1.1.0-dev")
    # '1.0' is release 1.0.0: a dev build of it lies between the releases around it, up to 1.1.0
    add_event(warehouse, "short_base", [codec_frame("return json.loads(raw or '{}')")], release="1.0-dev")
    result = attribute(warehouse, config_for(cfg))
    assert result["resolve"]["inferred_events"] == 5
    got = rows(warehouse)
    expect = {"dev_mid": c[1], "dev_suffix": c[2], "local_label": c[2], "broken": c[4], "short_base": c[1]}
    for eid, sha in expect.items():
        status, reason, revision, source, how, agree, commit, path, line, detail = got[eid]
        assert (status, reason, source, how, agree) == ("resolved", None, "inferred", "inferred", 1), eid
        assert commit == sha, eid  # the commit that wrote the crash line
        assert commit == git_blame_line(repo.path, revision, path, line), eid
        assert "inferred" in detail and "1 of 1 frames match" in detail
    # c2 and c3 hold the same file: one state, its oldest commit stands for it.
    assert got["dev_suffix"][2] == c[2]
    assert got["nothing_matches"][:2] == ("unresolved", "unknown_release")
    assert "no candidate matches" in got["nothing_matches"][-1]
    inferred = warehouse.execute("SELECT count(DISTINCT event_id) FROM frame_attribution WHERE revision_inferred").fetchone()
    assert inferred == (5,)


def test_a_broken_version_is_placed_between_releases_when_no_release_matches_every_frame(tmp_path, warehouse):
    """A build from a commit between two releases, with no version to say so ('unknown'): the best release
    matches only one of its two frames, so the commits around that release are compared too, and the one
    that matches both is taken; each frame is then blamed there (before: the release, one frame
    line_mismatch)."""
    repo = GitRepoBuilder(tmp_path / "svc")
    c0 = repo.commit({"svc/alpha.py": body("return json.loads(raw)"), "svc/beta.py": body("return raw.decode()")},
                     "first")
    repo.tag("v1.0.0")
    build = repo.commit({"svc/alpha.py": body("return json.loads(raw or '{}')")}, "empty input")
    repo.commit({"svc/alpha.py": body("return json.loads(raw or '[]')"), "svc/beta.py": body("return str(raw)")},
                "later")
    repo.tag("v1.1.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    ctx = {"pre_context": ["", "def load(raw):"], "post_context": ["", ""]}
    add_event(warehouse, "between", [frame("alpha.py", 5, "return json.loads(raw or '{}')", **ctx),
                                     frame("beta.py", 5, "return raw.decode()", **ctx)], release="unknown")
    attribute(warehouse, config_for(cfg))
    got = event_frames(warehouse, "between", "status, reason, revision, revision_how, revision_agreeing, commit_sha, "
                                             "repo_path, line, detail")  # fmt: skip
    assert {i: g[:5] for i, g in got.items()} == {i: ("resolved", None, build, "inferred", 2) for i in (0, 1)}
    assert (got[0][5], got[1][5]) == (build, c0)  # each line's own writer, as git blame -w says at `build`
    for g in got.values():
        assert g[5] == git_blame_line(repo.path, build, g[6], g[7])
    assert "all 2 releases" in got[0][-1] and "around the best of them" in got[0][-1]


def test_a_tie_stays_unresolved_with_its_reason(tmp_path, warehouse):
    """The crash line exists, unchanged in text, at two file states with different authors (written,
    changed, then restored by another commit): the frame cannot tell which ran, so no revision."""
    repo = GitRepoBuilder(tmp_path / "svc")
    repo.commit({"svc/codec.py": body("return 1")}, "stub")
    repo.tag("v1.0.0")
    written = repo.commit({"svc/codec.py": body("return json.loads(raw)")}, "codec")
    repo.commit({"svc/codec.py": body("return json.loads(raw, strict=False)")}, "lenient")
    repo.commit({"svc/codec.py": body("return json.loads(raw)")}, "revert lenient")
    repo.commit({"svc/codec.py": body("return json.loads(raw).get('data')")}, "data")
    repo.tag("v1.1.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    add_event(warehouse, "tie", [codec_frame("return json.loads(raw)")], release="1.1.0-dev")
    attribute(warehouse, config_for(cfg))
    got = rows(warehouse)["tie"]
    assert got[:2] == ("unresolved", "ambiguous_release") and got[2] is None
    assert "2 file states tie (blame differs)" in got[-1]
    # An explicit release_table entry settles it.
    cfg2 = repo_config(repo.path, release_table={"1.1.0-dev": written})
    ingest_repository(warehouse, cfg2)
    resolve_frames(warehouse, config_for(cfg2))
    assert rows(warehouse)["tie"][:5] == ("resolved", None, written, "release", "table")


def test_a_broken_version_is_compared_with_the_commits_around_the_release_it_matches(tmp_path, warehouse):
    """No version to go by, and one release matches the frame; but its line was written, changed, and written
    again with the same text before that release was tagged (psf/requests' version line before v0.10.2),
    so a build from before the change matches as well, and there git blames the line to another commit:
    the event stays unresolved with the tie. Before: placed on the release, the line blamed to the commit
    that wrote it again. A frame only the release's own file state holds is placed on the release as
    before, and one every state holds, blamed alike everywhere, on the oldest release."""
    repo = GitRepoBuilder(tmp_path / "svc")
    stub = repo.commit({"svc/codec.py": body("return 1")}, "stub")
    repo.tag("v1.0.0")
    written = repo.commit({"svc/codec.py": body("return json.loads(raw)")}, "codec")
    repo.commit({"svc/codec.py": body("return json.loads(raw, strict=False)")}, "lenient")
    again = repo.commit({"svc/codec.py": body("return json.loads(raw)") + "\n\nVERSION = 2\n"}, "revert lenient")
    release = repo.commit({"README.md": "svc\n"}, "release notes")
    repo.tag("v1.1.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    add_event(warehouse, "rewritten", [codec_frame("return json.loads(raw)")], release="%(version)s")
    add_event(warehouse, "release_only", [frame("codec.py", 12, "VERSION = 2")], release="unknown")
    add_event(warehouse, "everywhere", [frame("codec.py", 4, "def load(raw):")], release="0.0.0")
    attribute(warehouse, config_for(cfg))
    got = rows(warehouse)
    assert (git_blame_line(repo.path, release, "svc/codec.py", 5), git_blame_line(repo.path, written, "svc/codec.py", 5)) == (again, written)
    assert got["rewritten"][:3] == ("unresolved", "ambiguous_release", None)
    assert "2 file states tie (blame differs)" in got["rewritten"][-1]
    assert "all 2 releases (the string gives no version), then 5 commits" in got["rewritten"][-1]
    assert got["release_only"][:3] == ("resolved", None, release) and got["release_only"][4] == "inferred"
    assert got["release_only"][6] == again == git_blame_line(repo.path, release, "svc/codec.py", 12)
    assert got["everywhere"][:3] == ("resolved", None, stub) and got["everywhere"][6] == stub
    assert "states tie and blame every matching line to the same commit" in got["everywhere"][-1]


def test_a_tie_is_settled_by_the_distance_a_dev_n_version_carries(tmp_path, warehouse):
    """setuptools-scm's '1.0.1.devN' is N commits past v1.0.0 (as `git describe` counts). The crash line is
    written, changed, then restored by another commit: its text cannot tell the two states apart, but N
    can, when it names a commit of exactly one of them. N naming no tied state leaves the tie open."""
    repo = GitRepoBuilder(tmp_path / "svc")
    repo.commit({"svc/codec.py": body("return 1")}, "stub")
    repo.tag("v1.0.0")
    written = repo.commit({"svc/codec.py": body("return json.loads(raw)")}, "codec")
    repo.commit({"svc/codec.py": body("return json.loads(raw, strict=False)")}, "lenient")
    restored = repo.commit({"svc/codec.py": body("return json.loads(raw)")}, "revert lenient")
    after = repo.commit({"README.md": "svc\n"}, "docs")
    repo.commit({"svc/codec.py": body("return json.loads(raw).get('data')")}, "data")
    repo.tag("v1.1.0")
    assert repo.git("describe", "--tags", after).startswith("v1.0.0-4-")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    line = codec_frame("return json.loads(raw)")
    for n in (1, 2, 3, 4):
        add_event(warehouse, f"dev{n}", [line], release=f"1.0.1.dev{n}")
    attribute(warehouse, config_for(cfg))
    got = rows(warehouse)
    assert [got["dev1"][i] for i in (0, 2, 4, 6)] == ["resolved", written, "inferred", written]
    assert "the version's .dev1 (1 commits past the release below) names a commit of one of them" in got["dev1"][-1]
    for n, commit in ((3, restored), (4, after)):  # the exact commit N names, in the state it settles
        assert got[f"dev{n}"][:3] == ("resolved", None, commit) and got[f"dev{n}"][6] == restored
        assert got[f"dev{n}"][6] == git_blame_line(repo.path, commit, got[f"dev{n}"][7], got[f"dev{n}"][8])
    assert got["dev2"][:3] == ("unresolved", "ambiguous_release", None)  # N names 'lenient': no tied state
    assert "2 file states tie (blame differs)" in got["dev2"][-1]


def test_a_change_of_the_blame_ignore_list_starts_a_file_state_of_its_own(tmp_path, warehouse):
    """psf/requests reformatted its code, then listed that commit in `.git-blame-ignore-revs` soon
    after: the crash file is the same on both sides, but blame is not. Before: one state, resolved at its
    oldest commit (the formatting commit, which no list skips there), and a build after the list blamed
    the line to the formatting commit, not to its writer."""
    repo = GitRepoBuilder(tmp_path / "svc")
    repo.commit({"svc/codec.py": body("return json.loads(raw)")}, "codec")
    repo.tag("v1.0.0")
    writer = repo.commit({"svc/codec.py": body("return json.loads(raw or '{}')")}, "empty input")
    formatting = repo.commit({"svc/codec.py": body('return json.loads(raw or "{}")')}, "format with black")
    listed = repo.commit({".git-blame-ignore-revs": f"# black\n{formatting}\n"}, "skip formatting in blame")
    repo.commit({"README.md": "svc\n"}, "docs")
    repo.commit({"svc/codec.py": body("return json.loads(raw).get('data')")}, "data")
    repo.tag("v1.1.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    line = codec_frame('return json.loads(raw or "{}")')
    add_event(warehouse, "after_list", [line], release="1.0.1.dev3")  # 3 commits past v1.0.0: `listed`
    add_event(warehouse, "before_list", [line], release="1.0.1.dev2")
    add_event(warehouse, "unknown_side", [line], release="1.0.1-dev")
    attribute(warehouse, config_for(cfg))
    got = rows(warehouse)
    ignore = tmp_path / "ignore-revs"
    ignore.write_text(formatting + "\n")
    assert got["after_list"][:3] == ("resolved", None, listed) and got["after_list"][6] == writer
    assert writer == git_blame_line(repo.path, listed, "svc/codec.py", 5, ignore_revs=ignore)
    assert got["before_list"][:3] == ("resolved", None, formatting) and got["before_list"][6] == formatting
    assert got["unknown_side"][:2] == ("unresolved", "ambiguous_release")  # the text cannot tell the sides apart
    assert "2 file states tie (blame differs)" in got["unknown_side"][-1]


def test_a_broken_version_is_placed_where_every_frame_matches_and_never_on_a_release_lacking_a_file(
    tmp_path, warehouse
):
    """With no version to go by, the best release matches one of the frames and lacks another frame's file
    altogether (it was added later): that release is not the build, and the line it matches was written by
    another commit than the one that ran (psf/requests: an `except zlib.error:` at the same line of utils.py
    in v0.8.0 and in a build a year later). Every version of the frames' files on the default branch is
    then compared, and one that matches every frame is taken; when none does, the event stays unplaced.
    Before: placed on the release, that frame blamed to the wrong commit."""
    repo = GitRepoBuilder(tmp_path / "svc")
    first = repo.commit({"svc/codec.py": body("return json.loads(raw)")}, "codec")
    repo.tag("v1.0.0")
    repo.commit({"svc/codec.py": body("return json.loads(raw).get('data')")}, "data")
    repo.tag("v1.1.0")
    restored = repo.commit(
        {"svc/codec.py": body("return json.loads(raw)"), "svc/adapters.py": "def send(req):\n    return pool.urlopen(req)\n"},
        "adapters",
    )
    build = repo.commit({"README.md": "svc\n"}, "docs")
    repo.commit({"svc/codec.py": body("return json.loads(raw, strict=False)"),
                 "svc/adapters.py": "def send(req):\n    return pool.urlopen(req, retries=3)\n"}, "retries")  # fmt: skip
    repo.tag("v1.2.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    frames = [codec_frame("return json.loads(raw)"), frame("adapters.py", 2, "return pool.urlopen(req)")]
    add_event(warehouse, "broken", frames, release="unknown")
    add_event(warehouse, "broken_nowhere", [*frames, frame("adapters.py", 1, "def send(request):")], release="UNKNOWN")
    attribute(warehouse, config_for(cfg))
    got = event_frames(warehouse, "broken", "status, revision, revision_how, commit_sha, repo_path, line, detail")
    assert {g[:3] for g in got.values()} == {("resolved", restored, "inferred")}
    assert "commits of main that changed those files" in got[0][-1]
    for g in got.values():  # what the build says, not what v1.0.0 would have said
        assert g[3] == git_blame_line(repo.path, build, g[4], g[5]) == restored
    assert git_blame_line(repo.path, "v1.0.0", "svc/codec.py", 5) == first
    # no version of the files matches the third frame: not placed, and never on v1.0.0
    nowhere = event_frames(warehouse, "broken_nowhere", "status, reason, revision, commit_sha, detail")
    assert {g[:4] for g in nowhere.values()} == {("unresolved", "unknown_release", None, None)}
    assert "the best revisions lack adapters.py: 1 of 3 frames match" in nowhere[0][-1]


def test_states_that_tie_but_blame_alike_are_placed(tmp_path, warehouse):
    """Two file states differ far from the crash line: both match, and blame of the line is the same
    commit at both, so the choice cannot change the answer; the detail says so."""
    repo = GitRepoBuilder(tmp_path / "svc")
    repo.commit({"svc/codec.py": body("return 1")}, "stub")
    repo.tag("v1.0.0")
    writer = repo.commit({"svc/codec.py": body("return json.loads(raw)")}, "parse")
    repo.commit({"svc/codec.py": body("return json.loads(raw)") + "\n\nVERSION = 2\n"}, "far away")
    repo.commit({"README.md": "svc\n"}, "release notes")
    repo.tag("v1.1.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    add_event(warehouse, "alike", [codec_frame("return json.loads(raw)")], release="1.0.1.dev")
    attribute(warehouse, config_for(cfg))
    got = rows(warehouse)["alike"]
    assert got[:2] == ("resolved", None) and got[4] == "inferred" and got[6] == writer
    assert "2 states tie and blame every matching line to the same commit" in got[-1]
    assert got[6] == git_blame_line(repo.path, got[2], got[7], got[8])


def test_states_that_tie_with_the_file_at_another_path_but_blame_alike_are_placed(tmp_path, warehouse):
    """The package moved to a src layout between the releases (psf/requests' 2.32): a basename-only frame
    matches the file at its old path before the move and at its new path after it, and git blame follows
    the file across the move, so both name the commit that wrote the line; the choice cannot change the
    answer. Before: 'different frames or files match' left such reports unresolved."""
    repo = GitRepoBuilder(tmp_path / "svc")
    repo.commit({"svc/codec.py": body("return 1")}, "stub")
    repo.tag("v1.0.0")
    writer = repo.commit({"svc/codec.py": body("return json.loads(raw)")}, "parse")
    repo.commit({"svc/codec.py": None, "src/svc/codec.py": body("return json.loads(raw)")}, "src layout")
    repo.commit({"README.md": "svc\n"}, "docs")
    repo.commit({"README.md": "svc 1.1\n"}, "release notes")
    repo.tag("v1.1.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    add_event(warehouse, "moved", [codec_frame("return json.loads(raw)")], release="1.0.1.dev+local")
    # after v1.1.0 the line is changed, then restored as the file moves again: the tied states hold the file
    # at two paths and blame the line to two commits, so that tie stays open
    repo.commit({"README.md": "svc, a codec\n"}, "docs")
    repo.commit({"src/svc/codec.py": body("return json.loads(raw)  # checked")}, "note")
    restore = repo.commit({"src/svc/codec.py": None, "lib/svc/codec.py": body("return json.loads(raw)")}, "lib layout")
    repo.commit({"README.md": "svc 1.2\n"}, "release notes")
    repo.tag("v1.2.0")
    ingest_repository(warehouse, cfg)
    add_event(warehouse, "moved_and_rewritten", [codec_frame("return json.loads(raw)")], release="1.1.1-dev")
    attribute(warehouse, config_for(cfg))
    got = rows(warehouse)["moved"]
    assert got[:2] == ("resolved", None) and got[4] == "inferred" and got[6] == writer
    assert "blame every matching line to the same commit (a file sits at another path in some of them)" in got[-1]
    assert got[6] == git_blame_line(repo.path, got[2], got[7], got[8])
    again = rows(warehouse)["moved_and_rewritten"]
    assert again[:3] == ("unresolved", "ambiguous_release", None) and "tie (blame differs)" in again[-1]
    assert git_blame_line(repo.path, restore, "lib/svc/codec.py", 5) == restore


def test_a_dev_build_after_a_release_tagged_beside_the_default_branch_is_placed_on_the_branch(tmp_path, warehouse):
    """The release above was tagged on a commit of its own beside `main` (psf/requests' v2.23.0), and `main`
    bumped the version in a commit of its own: `main`'s next commits still build on the release below
    (`1.0.1.devN`), so they are candidates too, and a development build is taken at the release commit only
    when nothing else matches as well. Before: only the release's ancestors were compared, and the
    version line was put on the release commit, not on main's bump."""
    repo = GitRepoBuilder(tmp_path / "svc")
    repo.commit({"svc/codec.py": body("return json.loads(raw)"), "svc/version.py": "VERSION = '1.0.0'\n"}, "first")
    repo.tag("v1.0.0")
    fix = repo.commit({"svc/codec.py": body("return json.loads(raw or '{}')")}, "empty input")
    repo.git("checkout", "-q", "-b", "release-1.1")
    release = repo.commit({"svc/version.py": "VERSION = '1.1.0'\n", "svc/notes.py": "NOTES = 'release only'\n"},
                          "v1.1.0")  # fmt: skip
    repo.tag("v1.1.0")
    repo.git("checkout", "-q", "main")
    bump = repo.commit({"svc/version.py": "VERSION = '1.1.0'\n"}, "bump version on main")
    build = repo.commit({"README.md": "svc\n"}, "docs")
    assert repo.git("branch", "--contains", release).split() == ["release-1.1"]  # beside main, never merged
    assert repo.git("describe", "--tags", build).startswith("v1.0.0-3-")  # the build's 1.0.1.dev3
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    add_event(warehouse, "main_dev", [frame("version.py", 1, "VERSION = '1.1.0'", pre_context=[], post_context=[]),
                                      codec_frame("return json.loads(raw or '{}')")], release="1.0.1.dev3")
    add_event(warehouse, "release_only", [frame("notes.py", 1, "NOTES = 'release only'")], release="1.0.1-dev")
    attribute(warehouse, config_for(cfg))
    got = event_frames(warehouse, "main_dev", "status, reason, revision, revision_how, commit_sha, repo_path, line, detail")
    assert {i: g[:4] for i, g in got.items()} == {i: ("resolved", None, bump, "inferred") for i in (0, 1)}
    assert (got[0][4], got[1][4]) == (bump, fix)  # main's own bump, not the release commit beside it
    for g in got.values():
        assert g[4] == git_blame_line(repo.path, bump, g[5], g[6])
    assert "release commits, taken only when no other matches as well" in got[0][-1]
    # the release commit is still the answer when it alone matches (a build of code only it holds)
    only = event_frames(warehouse, "release_only", "status, revision, commit_sha")
    assert only == {0: ("resolved", release, release)}


def test_a_branch_forked_before_the_release_below_is_no_candidate_for_a_dev_build(tmp_path, warehouse):
    """A branch forked before v1.0.0 wrote the crash line too, with the same text, and was merged after the
    build: in git's date order its commit sits among the build's, with the same file, but git blames the
    line there to that commit. It does not build on v1.0.0 (its version is older), so it is no candidate
    for `1.0.1.dev2` (psf/requests: a merge from an older master before v1.2.2). Before: the build's file
    state was resolved at that commit, and the frame blamed to it."""
    repo = GitRepoBuilder(tmp_path / "svc")
    repo.commit({"svc/codec.py": body("return 1")}, "stub", when="2026-01-01T12:00:00+00:00")
    repo.git("checkout", "-q", "-b", "side")
    side = repo.commit({"svc/codec.py": body("return json.loads(raw)")}, "codec, on a side branch",
                       when="2026-01-03T06:00:00+00:00")  # fmt: skip
    repo.git("checkout", "-q", "main")
    repo.commit({"README.md": "svc\n"}, "release notes", when="2026-01-02T12:00:00+00:00")
    repo.tag("v1.0.0")
    writer = repo.commit({"svc/codec.py": body("return json.loads(raw)")}, "codec", when="2026-01-03T12:00:00+00:00")
    build = repo.commit({"README.md": "svc, a codec\n"}, "docs", when="2026-01-04T12:00:00+00:00")
    merged = {"GIT_AUTHOR_DATE": "2026-01-05T12:00:00+00:00", "GIT_COMMITTER_DATE": "2026-01-05T12:00:00+00:00"}
    repo.git("merge", "-q", "--no-edit", "side", env=merged)
    repo.commit({"svc/codec.py": body("return json.loads(raw).get('data')")}, "data", when="2026-01-06T12:00:00+00:00")
    repo.tag("v1.1.0")
    assert repo.git("describe", "--tags", build).startswith("v1.0.0-2-")
    assert repo.git("rev-list", "v1.1.0", "^v1.0.0").split()[-1] == side  # the oldest of the same file's run
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    add_event(warehouse, "dev", [codec_frame("return json.loads(raw)")], release="1.0.1.dev2")
    attribute(warehouse, config_for(cfg))
    got = rows(warehouse)["dev"]
    assert got[:2] == ("resolved", None) and got[4] == "inferred"
    assert got[6] == writer == git_blame_line(repo.path, build, "svc/codec.py", 5) == git_blame_line(repo.path, got[2], got[7], got[8])
    assert git_blame_line(repo.path, side, "svc/codec.py", 5) == side


def test_a_dev_build_from_a_branch_the_default_branch_does_not_hold_is_placed_there(
    tmp_path, warehouse, monkeypatch, caplog
):
    """A development build of a maintenance branch (never merged into `main`): none of `main`'s commits
    after the release below holds its crash line, so the other branches' commits that build on that
    release are compared, and taken because they match more frames. A branch that builds on a later
    release is not a candidate (its version is that release's), though it holds the same line. Before: the
    report was placed on `main` with its frame `line_mismatch`, or left `unknown_release`."""
    repo = GitRepoBuilder(tmp_path / "svc")
    util = "def util():\n    return 1\n"
    repo.commit({"svc/codec.py": body("return json.loads(raw)"), "svc/util.py": util}, "codec")
    repo.tag("v1.0.0")
    repo.git("checkout", "-q", "-b", "maint-1.0")
    maint = repo.commit({"svc/codec.py": body("return json.loads(raw or '{}')")}, "empty input, on 1.0 only")
    repo.git("checkout", "-q", "main")
    repo.commit({"svc/codec.py": body("return json.loads(raw).get('data')")}, "data")
    repo.tag("v1.1.0")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit({"svc/codec.py": body("return json.loads(raw or '{}')")}, "empty input, after 1.1")
    repo.git("checkout", "-q", "main")
    repo.commit({"README.md": "svc\n"}, "docs")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    line = codec_frame("return json.loads(raw or '{}')")
    add_event(warehouse, "maint_only", [line], release="1.0.1.dev")
    add_event(warehouse, "maint_partly", [frame("util.py", 2, "return 1"), line], release="1.0.1-dev")
    attribute(warehouse, config_for(cfg))
    for event in ("maint_only", "maint_partly"):
        got = event_frames(warehouse, event, "status, revision, revision_how, commit_sha, repo_path, line, detail")
        assert {g[:3] for g in got.values()} == {("resolved", maint, "inferred")}, event
        for g in got.values():
            assert g[3] == git_blame_line(repo.path, maint, g[4], g[5])
        assert "then 1 commits of other branches from 1.0.0" in got[0][-1]
    assert event_frames(warehouse, "maint_partly", "commit_sha")[1] == (maint,)
    # memory bound: past MAX_WALKED commits, other branches are not compared, and the log says so
    monkeypatch.setattr(infer, "MAX_WALKED", 3)
    add_event(warehouse, "bounded", [line], release="1.0.2-dev")
    with caplog.at_level("WARNING", logger="models.attribution.infer"):
        attribute(warehouse, config_for(cfg))
    assert event_frames(warehouse, "bounded", "reason, revision") == {0: ("unknown_release", None)}
    assert "other branches not compared: more than 3 commits from 1.0.0" in caplog.text


def test_a_release_tagged_on_an_older_commit_than_the_release_below_does_not_close_the_window(
    tmp_path, warehouse
):
    """psf/requests tagged v2.16.3 on a commit older than v2.16.1's (an ancestor of it). A `2.16.2-dev`
    build lies between v2.16.1 and v2.16.2; its window, from the release below to the release above, was
    v2.16.1..v2.16.3: empty, so the build was put on v2.16.1 with a frame `line_mismatch`. The release
    above is now the next one that is not in the history of the release below."""
    repo = GitRepoBuilder(tmp_path / "svc")
    repo.commit({"svc/codec.py": body("return json.loads(raw)"), "setup.py": "setup()\n"}, "codec")
    repo.tag("v1.0.0")
    repo.commit({"setup.py": "setup(name='svc')\n"}, "fix setup.py")
    repo.tag("v1.0.3")  # out of order: an older commit than the v1.0.1 below
    repo.commit({"README.md": "svc\n"}, "history")
    repo.tag("v1.0.1")
    build = repo.commit({"svc/codec.py": body("return json.loads(raw or '{}')")}, "empty input")
    repo.commit({"svc/version.py": "VERSION = '1.0.2'\n"}, "1.0.2")
    repo.tag("v1.0.2")
    repo.commit({"svc/codec.py": body("return json.loads(raw).get('data')")}, "data")
    repo.tag("v1.0.4")
    assert repo.git("merge-base", "--is-ancestor", "v1.0.3", "v1.0.1") == ""  # the tag lies below v1.0.1
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    add_event(warehouse, "dev", [codec_frame("return json.loads(raw or '{}')")], release="1.0.2-dev")
    attribute(warehouse, config_for(cfg))
    got = rows(warehouse)["dev"]
    assert got[:6] == ("resolved", None, build, "inferred", "inferred", 1)
    assert got[6] == build == git_blame_line(repo.path, build, got[7], got[8])
    assert "from 1.0.1 to 1.0.4" in got[-1]


def test_a_hash_from_history_that_arrives_later_is_retried(tmp_path, warehouse):
    upstream = GitRepoBuilder(tmp_path / "upstream")
    upstream.commit({"app.py": "a = 1\n"}, "one")
    upstream.tag("v1.0.0")
    clone = tmp_path / "clone"
    upstream.git("clone", "-q", str(upstream.path), str(clone))
    later = upstream.commit({"app.py": "a = 2\n"}, "two")
    cfg = repo_config(clone, release_pattern="v{version}")
    ingest_repository(warehouse, cfg)
    add_event(warehouse, "e", [frame("app.py", 1, "a = 2")], release=f"1.0.1.dev1+g{later[:9]}")
    resolve_frames(warehouse, config_for(cfg))
    assert rows(warehouse)["e"][:2] == ("unresolved", "unknown_release")
    assert resolve_frames(warehouse, config_for(cfg))["events"] == 0  # nothing new: not retried

    upstream.git("-C", str(clone), "pull", "-q", "origin", "main")
    ingest_repository(warehouse, cfg)  # history arrived
    assert resolve_frames(warehouse, config_for(cfg))["events"] == 1
    got = rows(warehouse)["e"]
    assert (got[0], got[2], got[4]) == ("resolved", later, "hash")
