"""Frame resolution against real repositories: path mappings, basename/site-packages candidates verified
by source line, mismatches, third-party code, hostile paths and releases without a mapping."""

from __future__ import annotations

import pytest

from models.attribution import resolve_frames
from models.attribution.paths import (
    apply_mappings,
    installed_package_path,
    is_hostile,
    is_stdlib,
    module_path,
)
from models.config import PathMapping, RepositoryConfig
from models.history import ingest_repository

from .helpers import GitRepoBuilder, add_event, config_for, frame, repo_config

CART_V1 = "def total(items):\n    s = 0\n    for i in items:\n        s += i['price']\n    return s\n"
# Another file with the same basename: same line number holds different code.
OTHER_CART = "def add(x):\n    y = x\n    z = y\n    return x.value\n    pass\n"


@pytest.fixture
def shop(tmp_path, warehouse):
    repo = GitRepoBuilder(tmp_path / "shop")
    repo.commit({"src/shop/cart.py": CART_V1, "src/admin/cart.py": OTHER_CART, "README.md": "shop\n"}, "init")
    repo.tag("v1.0.0")
    cfg = repo_config(repo.path, mappings=(("/app/src/", "src/"),))
    ingest_repository(warehouse, cfg)
    return repo, config_for(cfg)


def outcomes(con) -> dict[str, tuple]:
    rows = con.execute(
        "SELECT event_id, status, reason, repo_path, line, verified, revision_source FROM core.frame_resolutions"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_mapped_basename_and_site_packages_frames_resolve_and_verify(shop, warehouse):
    _repo, config = shop
    line = "        s += i['price']"
    add_event(warehouse, "mapped", [frame("/app/src/shop/cart.py", 4, line)], release="v1.0.0")
    add_event(warehouse, "basename", [frame("cart.py", 4, "s += i['price']")], release="1.0.0")
    add_event(
        warehouse,
        "sitepkg",
        [frame("/usr/local/lib/python3.11/site-packages/shop/cart.py", 4, line, in_app=False)],
        release="v1.0.0",
    )
    add_event(warehouse, "other_cart", [frame("cart.py", 4, "    return x.value")], release="v1.0.0")
    counts = resolve_frames(warehouse, config)
    assert counts["events"] == 4
    got = outcomes(warehouse)
    for eid in ("mapped", "basename", "sitepkg"):
        assert got[eid][:5] == ("resolved", None, "src/shop/cart.py", 4, True), eid
        assert got[eid][5] == "release"
    # Same basename, different file: verification picks the one whose line matches.
    assert got["other_cart"][:3] == ("resolved", None, "src/admin/cart.py")


def test_context_mismatch_missing_file_and_third_party_are_unresolved_with_reason(shop, warehouse):
    _, config = shop
    add_event(warehouse, "mismatch", [frame("/app/src/shop/cart.py", 4, "s += i.price  # not what ran")])
    add_event(warehouse, "basename_mismatch", [frame("cart.py", 2, "completely different")])
    add_event(warehouse, "beyond_eof", [frame("cart.py", 400, "s += 1")])
    add_event(warehouse, "missing", [frame("/app/src/shop/payment.py", 3, "pay()")])
    add_event(
        warehouse,
        "requests",
        [frame("/usr/lib/python3/dist-packages/requests/api.py", 59, "return x", in_app=False)],
    )
    add_event(
        warehouse,
        "stdlib",
        [frame("/usr/lib/python3.11/json/decoder.py", 355, "raise JSONDecodeError", in_app=False)],
    )
    add_event(warehouse, "frozen", [frame("<frozen importlib._bootstrap>", 241, None)])
    add_event(warehouse, "no_line", [frame("/app/src/shop/cart.py", None, "s = 0")])
    for e in (
        "mismatch",
        "basename_mismatch",
        "beyond_eof",
        "missing",
        "requests",
        "stdlib",
        "frozen",
        "no_line",
    ):
        warehouse.execute("UPDATE core.events SET release = 'v1.0.0' WHERE event_id = ?", [e])
    resolve_frames(warehouse, config)
    got = {k: v[:2] for k, v in outcomes(warehouse).items()}
    assert got == {
        "mismatch": ("unresolved", "line_mismatch"),
        "basename_mismatch": ("unresolved", "line_mismatch"),
        "beyond_eof": ("unresolved", "line_mismatch"),
        "missing": ("unresolved", "file_not_in_repo"),
        "requests": ("unresolved", "third_party"),
        "stdlib": ("unresolved", "third_party"),
        "frozen": ("unresolved", "third_party"),
        "no_line": ("unresolved", "no_line"),
    }


def test_hostile_paths_are_rejected_and_never_read(shop, warehouse, tmp_path):
    repo, _ = shop
    secret = tmp_path / "secret.py"
    secret.write_text("x = 1\n")
    hostile = {
        "dotdot": "/app/src/../../secret.py",
        "relative_escape": "../secret.py",
        "option": "--output=/tmp/pwned.py",
        "dash_segment": "src/-rf.py",
        "newline": "cart.py\nHEAD:README.md",
    }
    for eid, path in hostile.items():
        add_event(warehouse, eid, [frame(path, 1, "x = 1")], release="v1.0.0")
    # A mapping whose source root climbs out of the repository is refused as well.
    escaping = repo_config(repo.path, mappings=(("/srv/", "../../"),))
    add_event(warehouse, "mapped_escape", [frame("/srv/secret.py", 1, "x = 1")], release="v1.0.0")
    resolve_frames(warehouse, config_for(escaping))
    got = outcomes(warehouse)
    for eid in hostile:
        assert got[eid][:2] == ("unresolved", "hostile_path"), eid
    assert got["mapped_escape"][0] == "unresolved"
    assert got["mapped_escape"][2] is None
    assert not (tmp_path / "pwned.py").exists()


def test_identical_lines_in_same_named_files_use_module_and_neighbours(tmp_path, warehouse):
    repo = GitRepoBuilder(tmp_path / "svc")
    util_a = "import json\n\ndef load(s):\n    return json.loads(s)\n"
    util_b = "import json\n\ndef parse(s):\n    return json.loads(s)\n"
    repo.commit({"src/a/util.py": util_a, "src/b/util.py": util_b}, "utils")
    repo.tag("v1.0.0")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    line = "return json.loads(s)"
    add_event(warehouse, "by_module", [frame("util.py", 4, line, module="b.util")], release="v1.0.0")
    add_event(
        warehouse,
        "by_neighbours",
        [frame("util.py", 4, line, pre_context=["", "def load(s):"])],
        release="v1.0.0",
    )
    add_event(warehouse, "ambiguous", [frame("util.py", 4, line)], release="v1.0.0")
    resolve_frames(warehouse, config_for(cfg))
    got = outcomes(warehouse)
    assert got["by_module"][:3] == ("resolved", None, "src/b/util.py")
    assert got["by_neighbours"][:3] == ("resolved", None, "src/a/util.py")
    assert got["ambiguous"][:2] == ("unresolved", "ambiguous_path")


def test_path_rules():
    assert (
        is_hostile("a/../b.py")
        and is_hostile("-x.py")
        and is_hostile("a\x00b")
        and not is_hostile("/app/src/a.py")
    )
    maps = (
        PathMapping("/app/src/", "src/"),
        PathMapping("site-packages/shop/", "src/shop/"),
        PathMapping("/app/", ""),
    )
    assert apply_mappings("/app/src/shop/cart.py", maps) == "src/shop/cart.py"  # longest stack root wins
    assert apply_mappings("/venv/lib/python3.11/site-packages/shop/cart.py", maps) == "src/shop/cart.py"
    assert apply_mappings("/app/manage.py", maps) == "manage.py"
    assert apply_mappings("/elsewhere/x.py", maps) is None
    assert (
        installed_package_path("/venv/lib/python3.12/site-packages/shop/api/views.py") == "shop/api/views.py"
    )
    assert is_stdlib("/usr/lib/python3.11/json/decoder.py") and not is_stdlib(
        "/usr/lib/python3/dist-packages/x/y.py"
    )
    assert module_path("shop.cart", "cart.py") == "shop/cart.py"
    assert module_path("shop.cart", "__init__.py") == "shop/cart/__init__.py"


def test_releases_without_mapping_and_time_fallback(tmp_path, warehouse):
    repo = GitRepoBuilder(tmp_path / "shop")
    first = repo.commit({"app.py": "a = 1\nb = 2\n"}, "one", when="2026-01-01T00:00:00+00:00")
    second = repo.commit({"app.py": "a = 1\nb = 3\n"}, "two", when="2026-01-10T00:00:00+00:00")
    cfg = repo_config(repo.path, release_table={"2.0": second})
    ingest_repository(warehouse, cfg)
    config = config_for(cfg)
    add_event(warehouse, "no_release", [frame("app.py", 1, "a = 1")], release=None, ts="2026-01-05 00:00:00")
    add_event(warehouse, "unknown", [frame("app.py", 2, "b = 2")], release="9.9.9", ts="2026-01-05 00:00:00")
    add_event(warehouse, "table", [frame("app.py", 2, "b = 3")], release="2.0", ts="2026-01-11 00:00:00")
    resolve_frames(warehouse, config)
    got = outcomes(warehouse)
    assert got["no_release"][:2] == ("unresolved", "no_release")
    assert got["unknown"][:2] == ("unresolved", "unknown_release")
    assert got["table"][0] == "resolved"

    # Opt-in fallback: newest default-branch commit before the event time, clearly marked.
    counts = resolve_frames(warehouse, config, time_fallback=True)
    assert counts["events"] == 2
    got = outcomes(warehouse)
    rev = dict(warehouse.execute("SELECT event_id, revision FROM core.frame_resolutions").fetchall())
    assert got["no_release"][0] == "resolved" and got["no_release"][5] == "time_fallback"
    assert rev["no_release"] == first and rev["unknown"] == first
    assert got["table"][5] == "release" and rev["table"] == second


def test_events_are_routed_to_the_repository_of_their_service(tmp_path, warehouse):
    api = GitRepoBuilder(tmp_path / "api")
    api_sha = api.commit({"app.py": "x = 1\n"}, "api")
    api.tag("v1.0.0")
    worker = GitRepoBuilder(tmp_path / "worker")
    worker_sha = worker.commit({"app.py": "x = 1\n"}, "worker")
    worker.tag("v1.0.0")
    api_cfg = RepositoryConfig(
        name="api", path=api.path, release_pattern="v{version}", services=("shop-api",)
    )
    worker_cfg = RepositoryConfig(
        name="worker", path=worker.path, release_pattern="v{version}", services=("shop-worker",)
    )
    for cfg in (api_cfg, worker_cfg):
        ingest_repository(warehouse, cfg)
    add_event(warehouse, "a", [frame("app.py", 1, "x = 1")], release="v1.0.0", service="shop-api")
    add_event(warehouse, "w", [frame("app.py", 1, "x = 1")], release="v1.0.0", service="shop-worker")
    add_event(warehouse, "?", [frame("app.py", 1, "x = 1")], release="v1.0.0", service="billing")
    resolve_frames(warehouse, config_for(api_cfg, worker_cfg))
    got = {
        r[0]: r[1:]
        for r in warehouse.execute(
            "SELECT event_id, repo, revision, status, reason FROM core.frame_resolutions"
        ).fetchall()
    }
    assert got["a"] == ("api", api_sha, "resolved", None)
    assert got["w"] == ("worker", worker_sha, "resolved", None)
    assert got["?"] == (None, None, "unresolved", "no_repo")


def test_event_is_re_resolved_once_its_release_becomes_known(tmp_path, warehouse):
    repo = GitRepoBuilder(tmp_path / "shop")
    repo.commit({"app.py": "a = 1\n"}, "one")
    cfg = repo_config(repo.path)
    ingest_repository(warehouse, cfg)
    add_event(warehouse, "late_tag", [frame("app.py", 1, "a = 1")], release="2.0.0")
    resolve_frames(warehouse, config_for(cfg))
    assert outcomes(warehouse)["late_tag"][:2] == ("unresolved", "unknown_release")
    assert resolve_frames(warehouse, config_for(cfg))["events"] == 0  # nothing new: not retried

    repo.tag("v2.0.0")  # the release is tagged later; the history ingest picks it up
    ingest_repository(warehouse, cfg)
    assert resolve_frames(warehouse, config_for(cfg))["events"] == 1
    assert outcomes(warehouse)["late_tag"][:2] == ("resolved", None)


def test_a_scrubbed_context_line_still_verifies_against_the_repository_line(tmp_path, warehouse):
    """A secret literal in code reaches the warehouse scrubbed (`token = "<secret:password>"`); the
    repository line is compared scrubbed too, so the frame still resolves as verified."""
    import json

    from models.sources import ingest_path

    source = 'def call(api):\n    token = "hunter2-literal"\n    return api.get(token)\n'
    repo = GitRepoBuilder(tmp_path / "svc")
    repo.commit({"app/client.py": source}, "init")
    repo.tag("v2.0.0")
    cfg = repo_config(repo.path, mappings=(("/srv/", ""),))
    ingest_repository(warehouse, cfg)
    event = {
        "event_id": "ab" * 16, "timestamp": "2026-02-01T10:00:00Z", "release": "v2.0.0", "platform": "python",
        "exception": {"values": [{"type": "KeyError", "value": "x", "stacktrace": {"frames": [{
            "filename": "app/client.py", "abs_path": "/srv/app/client.py", "lineno": 2, "in_app": True,
            "context_line": '    token = "hunter2-literal"', "post_context": ["    return api.get(token)"],
        }]}}]},
    }
    path = tmp_path / "e.ndjson"
    path.write_text(json.dumps(event) + "\n")
    ingest_path(warehouse, path, source="sentry")
    stored = warehouse.execute("SELECT context_line FROM core.frames").fetchone()[0]
    assert stored == '    token = "<secret:password>"'
    resolve_frames(warehouse, config_for(cfg))
    assert outcomes(warehouse)["ab" * 16][:5] == ("resolved", None, "app/client.py", 2, True)
