"""The analyst reference documents every view column, and its configuration example is valid."""

from __future__ import annotations

import re

from models.config import load_config
from models.history import load_markers
from models.history.releases import compile_release_pattern
from models.warehouse import SQL_DIR

DOC = (SQL_DIR / "reference" / "20_history.md").read_text(encoding="utf-8")


def test_every_view_column_is_documented(warehouse):
    for view in ("commits", "commit_files", "releases", "ai_commits"):
        section = DOC.split(f"## `{view}`", 1)[1].split("\n## ", 1)[0]
        for column in warehouse.sql(f"SELECT * FROM {view} LIMIT 0").columns:
            assert re.search(rf"\b{column}\b", section), f"{view}.{column} is not documented"


def test_configuration_examples_are_valid(tmp_path):
    blocks = re.findall(r"```toml\n(.*?)```", DOC, re.DOTALL)
    config_toml, marker_toml = blocks
    (tmp_path / "ai-markers.toml").write_text(marker_toml, encoding="utf-8")
    (tmp_path / "hindsight.toml").write_text(config_toml, encoding="utf-8")
    config = load_config(tmp_path / "hindsight.toml")
    repo = config.repository("shop")
    assert repo.release_table and repo.path_mappings and repo.services
    assert repo.web_url == "https://github.com/acme/shop"
    compile_release_pattern(repo.release_pattern)
    assert "team.windsurf" in {m.id for m in load_markers(config.marker_files).markers}
