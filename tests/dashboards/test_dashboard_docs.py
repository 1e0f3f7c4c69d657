"""The dashboard's figures are documented: every column of every view and table macro of
sql/views/70_dashboard.sql appears in its section of sql/reference/70_dashboard.md."""

from __future__ import annotations

import re

from models.warehouse import SQL_DIR

DOC = (SQL_DIR / "reference" / "70_dashboard.md").read_text(encoding="utf-8")
SOURCE = (SQL_DIR / "views" / "70_dashboard.sql").read_text(encoding="utf-8")
FILTERS = "TIMESTAMP '2000-01-01', TIMESTAMP '2100-01-01', []::VARCHAR[], []::VARCHAR[], []::VARCHAR[], []::VARCHAR[]"
EXTRA_ARGS = {"pattern_daily": ", []::VARCHAR[]", "incidents_in_period": None}


def _sections() -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r"^## (\w+)[^\n]*\n(.*?)(?=^## |\Z)", DOC, re.DOTALL | re.MULTILINE)}


def test_every_view_and_macro_column_is_documented(warehouse):
    views = re.findall(r"CREATE OR REPLACE VIEW (\w+)", SOURCE)
    macros = re.findall(r"CREATE OR REPLACE MACRO (\w+)\([^)]*\) AS TABLE", SOURCE)
    assert {"failure_events", "incident_summary", "data_extent"} <= set(views)
    assert {"failure_patterns", "author_failure_rates", "release_health", "release_changes"} <= set(macros)
    sections = _sections()
    for name in views + macros:
        assert name in sections, f"{name} has no section in sql/reference/70_dashboard.md"
        if name in views:
            relation = name
        elif name == "incidents_in_period":
            relation = "incidents_in_period(TIMESTAMP '2000-01-01', TIMESTAMP '2100-01-01', [])"
        else:
            relation = f"{name}({FILTERS}{EXTRA_ARGS.get(name) or ''})"
        columns = warehouse.sql(f"SELECT * FROM {relation} LIMIT 0").columns
        text = sections[name] if name != "filtered_failures" else sections["failure_events"]
        missing = [c for c in columns if not re.search(rf"\b{c}\b", text)]
        if name in ("incidents_in_period", "incidents_in_selection"):
            missing = [c for c in missing if not re.search(rf"\b{c}\b", sections["incident_summary"])]
        assert not missing, f"{name}: undocumented columns {missing}"


def test_the_reference_is_linked_from_the_sql_readme():
    assert "reference/70_dashboard.md" in (SQL_DIR / "README.md").read_text(encoding="utf-8")
