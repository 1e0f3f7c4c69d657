"""The stage's public surface is documented: every view column in sql/reference, the API in __all__."""

from __future__ import annotations

import re

from models import risk
from models.warehouse import SQL_DIR

VIEWS = ["change_risk", "risk_models", "risk_szz"]


def test_every_view_column_is_documented(warehouse):
    doc = (SQL_DIR / "reference" / "60_risk.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## (\w+)\n(.*?)(?=^## |\Z)", doc, flags=re.DOTALL | re.MULTILINE))
    for view in VIEWS:
        assert view in sections, f"{view} has no section"
        columns = warehouse.sql(f"SELECT * FROM {view} LIMIT 0").columns
        missing = [c for c in columns if not re.search(rf"\b{c}\b", sections[view])]
        assert not missing, f"{view}: undocumented columns {missing}"


def test_every_feature_is_documented():
    from models.risk.features import ALL_FEATURES

    doc = (SQL_DIR / "reference" / "60_risk.md").read_text(encoding="utf-8")
    missing = [f for f in ALL_FEATURES if f"`{f}`" not in doc and not f.startswith("ai_lines_")]
    assert not missing and "`ai_lines_<tool>`" in doc


def test_public_api():
    assert set(risk.__all__) >= {"update_repository", "review_change", "train", "time_split", "latest_model"}
    for name in risk.__all__:
        assert getattr(risk, name).__doc__, name
