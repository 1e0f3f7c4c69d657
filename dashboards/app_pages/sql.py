"""SQL: read-only queries over the documented views, saved analyses from sql/analyses/, CSV download."""

from __future__ import annotations

import streamlit as st

from dashboards import data
from dashboards.ui import NO_DATA
from models.warehouse import SQL_DIR
from models.warehouse.readonly import WriteRefused

st.title("SQL")
st.caption("Read-only: only queries run (SELECT / WITH / FROM / SHOW / DESCRIBE / EXPLAIN); writing statements are "
           "refused, and the snapshot is opened read-only with external access off. Views: `events`, `clusters`, "
           "`cluster_events`, `frame_attribution`, `suspect_commits`, `ai_failure_rates`, `rule_efficacy`, … "
           "(documented in sql/reference/).")


def _header(text: str) -> str:
    """The leading `--` comment block of a saved analysis (its description)."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line.removeprefix("--").strip())
    return " ".join(lines)


saved = {p.stem: p.read_text(encoding="utf-8") for p in sorted((SQL_DIR / "analyses").glob("*.sql"))}
choice = st.selectbox("Saved analysis", ["(none)", *saved], key="sql_saved",
                      help="Also runnable from a shell: hindsight sql --saved NAME")
if choice in saved:
    st.caption(_header(saved[choice]))
default = saved.get(choice, "SELECT * FROM events ORDER BY ts DESC LIMIT 100")
sql = st.text_area("Query", value=default, height=200, key=f"sql_text_{choice}")

if data.database_file() is None:
    st.info(NO_DATA)
elif st.button("Run", type="primary", key="sql_run"):
    try:
        result = data.run_user_sql(sql)
    except WriteRefused as exc:
        st.error(str(exc))
    except Exception as exc:  # noqa: BLE001 - show the database's message to the analyst, as text
        st.error("Query failed:")
        st.code(str(exc), language=None)
    else:
        st.caption(f"{result.height} row(s) (at most 5,000 shown)")
        st.dataframe(result, width="stretch", hide_index=True)
        st.download_button("Download CSV", data.to_csv(result), file_name="hindsight-query.csv", mime="text/csv",
                           key="sql_csv")
