"""The dashboard's Change risk page (Streamlit AppTest) on a trained world's snapshot, and on an empty one."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from models.warehouse import connect
from models.warehouse.snapshot import publish_snapshot

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"


def _open(monkeypatch, warehouse: Path, config: Path | None) -> AppTest:
    monkeypatch.setenv("HINDSIGHT_WAREHOUSE", str(warehouse))
    if config:
        monkeypatch.setenv("HINDSIGHT_CONFIG", str(config))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("app_pages/change_risk.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def published(trained, branches, tmp_path):
    warehouse, _, world, _ = trained
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(Path(warehouse).read_bytes())
    con = connect(copy)
    try:
        publish_snapshot(con, copy)
    finally:
        con.close()
    config = tmp_path / "hindsight.toml"
    config.write_text(f'[warehouse]\npath = "{copy}"\n\n[[repositories]]\nname = "app"\npath = "{world.repo.path}"\n'
                      'commit_url = "https://git.example/app/commit/{sha}"\n')
    return copy, config, world


def test_recent_changes_by_risk_with_reasons_and_links(monkeypatch, published):
    warehouse, config, world = published
    at = _open(monkeypatch, warehouse, config)
    assert at.title[0].value == "Change risk"
    assert [m.value for m in at.metric if m.label == "Model"] == ["v1"]
    table = at.dataframe[0].value
    assert len(table) > 0 and set(table["risk_level"]) <= {"high", "medium"}
    assert list(table["probability"]) == sorted(table["probability"], reverse=True)
    top = table.iloc[0]
    assert top["commit"].startswith("https://git.example/app/commit/") and top["commit"][-40:] in world.buggy
    assert "lines" in top["why"]
    at.multiselect[0].set_value(["high", "medium", "low"]).run()
    assert len(at.dataframe[0].value) == min(200, world.n)


def test_empty_warehouse_says_what_to_run(monkeypatch, tmp_path):
    warehouse = tmp_path / "empty.duckdb"
    con = connect(warehouse)
    try:
        publish_snapshot(con, warehouse)
    finally:
        con.close()
    at = _open(monkeypatch, warehouse, None)
    assert any("hindsight run" in i.value for i in at.info)
