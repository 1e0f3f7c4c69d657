"""Links out of the dashboard (commit → repository web UI, rule → its pack file, cluster → Dagster asset) and the
Rules page on the `rule_efficacy` contract of the feedback stage."""

from __future__ import annotations

import json
import math
import re

import pytest
from dash_world import no_exceptions, open_page

from dashboards.links import commit_url

WEB_URL = "https://git.example.com/acme/shop"
CONTRACT = ("heldout_recall", "own_site_recall", "noise_per_kloc", "head_findings", "severity", "severity_reason")


def _config_with(world, tmp_path, repo_extra: str = "", extra: str = ""):
    """The demo world's configuration (absolute paths) with keys added to its repository, and extra sections."""
    text = (world / "hindsight.toml").read_text(encoding="utf-8")
    text = text.replace("[[repositories]]\n", f"[[repositories]]\n{repo_extra}", 1) + extra
    config = tmp_path / "hindsight.toml"
    config.write_text(text, encoding="utf-8")
    return config


def _column_types(element) -> dict:
    """Column name -> column config type of a rendered dataframe ('link' for LinkColumn)."""
    config = json.loads(element.proto.columns or "{}")
    return {name: (spec.get("type_config") or {}).get("type") for name, spec in config.items()}


def test_commit_url_forms():
    assert commit_url(WEB_URL + "/", "abc") == f"{WEB_URL}/commit/abc"
    assert commit_url("https://cgit.example.com/shop/commit/?id={sha}", "abc") == \
        "https://cgit.example.com/shop/commit/?id=abc"
    assert commit_url(None, "abc") is None and commit_url(WEB_URL, None) is None


def test_commit_shas_link_to_the_repository_web_ui_when_configured(world, tmp_path, use_warehouse, snapshot_con):
    cluster_id = snapshot_con.execute("SELECT cluster_id FROM suspect_commits ORDER BY cluster_id LIMIT 1").fetchone()[0]
    use_warehouse(world / "warehouse.duckdb", world / "hindsight.toml")
    plain = open_page("cluster", {"cluster": cluster_id})
    suspects = next(d for d in plain.dataframe if "method" in d.value.columns)
    assert all(re.fullmatch(r"[0-9a-f]{40}", sha) for sha in suspects.value["commit_sha"])
    assert _column_types(suspects).get("commit_sha") != "link"

    use_warehouse(world / "warehouse.duckdb", _config_with(world, tmp_path, f'web_url = "{WEB_URL}"\n'))
    at = open_page("cluster", {"cluster": cluster_id})
    no_exceptions(at)
    suspects = next(d for d in at.dataframe if "method" in d.value.columns)
    expected = [f"{WEB_URL}/commit/{sha}" for sha in plain.dataframe[
        next(i for i, d in enumerate(plain.dataframe) if "method" in d.value.columns)].value["commit_sha"]]
    assert list(suspects.value["commit_sha"]) == expected
    assert _column_types(suspects)["commit_sha"] == "link"
    frames = next(d for d in at.dataframe if "blame" in d.value.columns)
    linked = [v for v in frames.value["commit_sha"] if v]
    assert linked and all(v.startswith(f"{WEB_URL}/commit/") for v in linked)


def test_a_cluster_links_to_its_dagster_asset(world, tmp_path, use_warehouse):
    use_warehouse(world / "warehouse.duckdb", world / "hindsight.toml")
    at = open_page("cluster")
    assert [b.proto.url for b in at.get("link_button")] == ["http://127.0.0.1:3000/assets/clusters"]
    config = _config_with(world, tmp_path, extra='\n[dashboard]\ndagster_url = "http://dagster.internal:3000/"\n')
    use_warehouse(world / "warehouse.duckdb", config)
    at = open_page("cluster")
    assert [b.proto.url for b in at.get("link_button")] == ["http://dagster.internal:3000/assets/clusters"]
    clusters = open_page("clusters")
    assert any("http://dagster.internal:3000/assets/clusters" in c.value for c in clusters.caption)


def test_a_rule_links_to_its_file_in_the_exported_pack(world, use_warehouse, snapshot_con):
    use_warehouse(world / "warehouse.duckdb", world / "hindsight.toml")
    at = open_page("rules")
    no_exceptions(at)
    table = next(d for d in at.dataframe if "file" in d.value.columns)
    assert _column_types(table)["file"] == "link"
    version = snapshot_con.execute("SELECT version FROM core.rule_packs ORDER BY created_at DESC LIMIT 1").fetchone()[0]
    rows = dict(zip(table.value["rule_id"], table.value["file"], strict=True))
    semgrep = next(r for r in rows if r.startswith("hindsight."))
    ruff = next(r for r in rows if r.startswith("ruff.") and "TID251" not in r)
    assert rows[semgrep] == f"pack_file?version={version}&file=hindsight-semgrep.yaml&rule={semgrep}"
    assert rows[ruff] == f"pack_file?version={version}&file=hindsight-ruff.toml&rule={ruff}"

    page = open_page("pack_file", dict(re.findall(r"(\w+)=([^&]+)", rows[semgrep].split("?", 1)[1])))
    no_exceptions(page)
    assert page.code[0].value.startswith(f"- id: {semgrep}\n"), "the rule's own part comes first"
    assert page.code[0].value.count("- id: ") == 1
    page = open_page("pack_file", dict(re.findall(r"(\w+)=([^&]+)", rows[ruff].split("?", 1)[1])))
    codes = json.loads(snapshot_con.execute("SELECT evidence::VARCHAR FROM core.rules WHERE rule_id = ? AND "
                                            "pack_version = ?", [ruff, version]).fetchone()[0])["codes"]
    assert all(f'"{c}"' in page.code[0].value for c in codes)


@pytest.mark.parametrize("file", ["../../etc/passwd", "guidance/../../../../etc/passwd", "nope.txt"])
def test_the_pack_file_page_serves_only_files_of_the_manifest(world, use_warehouse, snapshot_con, file):
    use_warehouse(world / "warehouse.duckdb", world / "hindsight.toml")
    version = snapshot_con.execute("SELECT version FROM core.rule_packs LIMIT 1").fetchone()[0]
    at = open_page("pack_file", {"version": version, "file": file})
    no_exceptions(at)
    assert not at.code and any("no file named like that" in i.value for i in at.info)


def test_rules_page_shows_the_feedback_stage_figures_as_the_view_defines_them(world, use_warehouse, snapshot_con):
    """heldout_recall, own_site_recall, noise_per_kloc, head_findings, severity, severity_reason come from
    main.rule_efficacy as they are: the page shows the same value per rule, derives none."""
    use_warehouse(world / "warehouse.duckdb", world / "hindsight.toml")
    at = open_page("rules")
    no_exceptions(at)
    table = next(d.value for d in at.dataframe if "rule_id" in d.value.columns and "file" in d.value.columns)
    columns = list(CONTRACT)  # the feedback stage's contract columns
    expected = {row[0]: row[1:] for row in snapshot_con.execute(
        f"SELECT rule_id, {', '.join(columns)} FROM rule_efficacy "
        "WHERE pack_version = (SELECT max_by(version, created_at) FROM core.rule_packs)").fetchall()}
    assert expected and set(table["rule_id"]) == set(expected)
    for _, row in table.iterrows():
        for column, want in zip(columns, expected[row["rule_id"]], strict=True):
            got = row[column]
            if want is None:
                assert got is None or math.isnan(got), (row["rule_id"], column)
            elif isinstance(want, float):
                assert abs(float(got) - want) < 1e-9, (row["rule_id"], column)
            else:
                assert got == want, (row["rule_id"], column)


def test_guidance_is_grouped_by_format_and_class(world, use_warehouse, snapshot_con):
    use_warehouse(world / "warehouse.duckdb", world / "hindsight.toml")
    at = open_page("rules")
    files = snapshot_con.execute("SELECT format, path FROM core.guidance_files").fetchall()
    matrix = next(d.value for d in at.dataframe if "agents_md" in d.value.columns)
    assert set(matrix.columns) == {"failure_class"} | {fmt for fmt, _ in files}
    cells = {v for col in matrix.columns if col != "failure_class" for v in matrix[col] if isinstance(v, str)}
    assert cells == {path for _, path in files}, "every guidance file sits in its format's column"
    assert matrix["failure_class"].iloc[0] == "all classes" and "naive_datetime" in set(matrix["failure_class"])
    for fmt, path in files:
        row = matrix[matrix[fmt] == path]
        assert len(row) == 1
        klass = row["failure_class"].iloc[0]
        assert klass == "all classes" or klass.replace("_", "-") in path
    picker = at.selectbox(key="guidance_pick")
    assert sorted(picker.options) == sorted(path for _, path in files)
