"""Rule-pack findings on added lines: a real released pack, real semgrep (native and default front ends) and ruff."""

from __future__ import annotations

import pytest
from feedback.conftest import FAILING, build_world  # the feedback stage's known world (tests/ is on sys.path)

from models.feedback import release_rules
from models.feedback.tools import semgrep_scan
from models.risk.findings import load_pack, scan_changes
from models.warehouse import connect


@pytest.fixture(scope="module")
def released_pack(tmp_path_factory):
    root = tmp_path_factory.mktemp("risk-pack")
    con = connect(root / "warehouse.duckdb")
    try:
        world = build_world(root, con)
        _, result = release_rules(con, world.config, root / "packs")
    finally:
        con.close()
    return world, load_pack(result.path)


def test_native_front_end_finds_exactly_what_the_default_one_finds(released_pack, tmp_path):
    _world, pack = released_pack
    for rel, text in FAILING.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    key = lambda fs: sorted((f.rule_id, f.path, f.start_line, f.end_line, f.start_col) for f in fs)
    default = key(semgrep_scan(pack.semgrep_config, tmp_path))
    native = key(semgrep_scan(pack.semgrep_config, tmp_path, native=True))
    assert len(default) >= 3  # the pack's rules fire on the failing code
    assert native == default


def test_same_file_under_two_changes_is_scanned_once_and_counted_for_both(released_pack):
    import polars as pl

    world, pack = released_pack
    n = len(FAILING["shop/pricing.py"].splitlines())
    hunks = pl.DataFrame(
        {"sha": [world.failing, "change-set"], "path": ["shop/pricing.py"] * 2, "new_start": [1, 1],
         "new_lines": [n, n], "old_start": [0, 0], "old_lines": [0, 0], "function": [None, None]},
        schema={"sha": pl.Utf8, "path": pl.Utf8, "new_start": pl.Int32, "new_lines": pl.Int32,
                "old_start": pl.Int32, "old_lines": pl.Int32, "function": pl.Utf8},
    )  # fmt: skip
    found = scan_changes(pack, world.repo, hunks, {"change-set": world.failing})
    per_sha = {s: set(found.filter(pl.col("sha") == s).select("rule_id", "line").iter_rows()) for s in found["sha"]}
    assert set(per_sha) == {world.failing, "change-set"}
    assert per_sha[world.failing] == per_sha["change-set"]
    assert any("timeout" in rule for rule, _ in per_sha["change-set"])
