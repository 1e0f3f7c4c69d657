"""The stage's public surface is documented: every view column in sql/reference, the API in __all__."""

from __future__ import annotations

import re

from models import signatures
from models.warehouse import SQL_DIR

VIEWS = ["event_fingerprints", "fingerprints", "log_templates", "log_record_templates", "grouping_configs",
         "signature_lineage"]  # fmt: skip


def test_every_view_column_is_documented(warehouse):
    doc = (SQL_DIR / "reference" / "30_signatures.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## `(\w+)`.*?\n(.*?)(?=^## |\Z)", doc, flags=re.DOTALL | re.MULTILINE))
    for view in VIEWS:
        assert view in sections, f"{view} has no section"
        columns = warehouse.sql(f"SELECT * FROM {view} LIMIT 0").columns
        missing = [c for c in columns if not re.search(rf"\b{c}\b", sections[view])]
        assert not missing, f"{view}: undocumented columns {missing}"


def test_public_api():
    assert set(signatures.__all__) >= {"fingerprint_events", "mine_templates", "mine_file", "leave_one_system_out"}
    for name in signatures.__all__:
        assert getattr(signatures, name).__doc__, name
