"""The dashboard loads hindsight.toml once per state of the file and environment (dashboards/settings.py): the
same object while nothing changes, the new settings after an edit of the file or another $HINDSIGHT_WAREHOUSE."""

from __future__ import annotations

from dashboards.settings import settings


def test_settings_follow_the_file_and_the_environment(tmp_path, monkeypatch):
    config = tmp_path / "hindsight.toml"
    config.write_text('[warehouse]\npath = "first.duckdb"\n', encoding="utf-8")
    monkeypatch.setenv("HINDSIGHT_CONFIG", str(config))
    monkeypatch.delenv("HINDSIGHT_WAREHOUSE", raising=False)
    first = settings()
    assert first.warehouse == tmp_path / "first.duckdb"
    assert settings() is first, "loaded once while nothing changes"

    # another size: a new state even when the edit falls within the same mtime tick
    config.write_text('[warehouse]\npath = "second-one.duckdb"\n', encoding="utf-8")
    assert settings().warehouse == tmp_path / "second-one.duckdb", "an edit of the file is read"

    monkeypatch.setenv("HINDSIGHT_WAREHOUSE", str(tmp_path / "elsewhere.duckdb"))
    assert settings().warehouse == tmp_path / "elsewhere.duckdb", "the environment wins, as in load_config"
