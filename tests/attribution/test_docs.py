"""The stage's public surface is documented: every view column in sql/reference, the API in __all__."""

from __future__ import annotations

import re

from models import attribution
from models.warehouse import SQL_DIR

VIEWS = [
    "frame_attribution",
    "suspect_commits",
    "cluster_attribution",
    "ai_failure_rates",
    "release_attribution",
]


def test_every_view_column_is_documented(warehouse):
    doc = (SQL_DIR / "reference" / "40_attribution.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## (\w+)\n(.*?)(?=^## |\Z)", doc, flags=re.DOTALL | re.MULTILINE))
    for view in VIEWS:
        assert view in sections, f"{view} has no section"
        columns = warehouse.sql(f"SELECT * FROM {view} LIMIT 0").columns
        missing = [c for c in columns if not re.search(rf"\b{c}\b", sections[view])]
        assert not missing, f"{view}: undocumented columns {missing}"


def test_public_api():
    assert set(attribution.__all__) >= {"attribute", "resolve_frames", "blame_pending", "score_suspects"}
    for name in attribution.__all__:
        assert getattr(attribution, name).__doc__, name
