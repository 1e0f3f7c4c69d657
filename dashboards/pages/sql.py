"""SQL: read-only queries over the documented views, saved analyses from sql/analyses/, CSV download."""

from __future__ import annotations

import streamlit as st

from dashboards import data
from dashboards.ui import NO_DATA
from models.warehouse import SQL_DIR
from models.warehouse.readonly import WriteRefused

st.title("SQL")
st.caption("Read-only: only queries run; writing statements are refused. Views are documented in sql/README.md.")

saved = {p.stem: p.read_text(encoding="utf-8") for p in sorted((SQL_DIR / "analyses").glob("*.sql"))}
choice = st.selectbox("Saved analysis", ["(none)", *saved], key="sql_saved")
default = saved.get(choice, "SELECT * FROM events ORDER BY ts DESC LIMIT 100")
sql = st.text_area("Query", value=default, height=180, key=f"sql_text_{choice}")

if data.database_file() is None:
    st.info(NO_DATA)
elif st.button("Run", type="primary", key="sql_run"):
    try:
        result = data.run_user_sql(sql)
    except WriteRefused as exc:
        st.error(str(exc))
    except Exception as exc:  # noqa: BLE001 - show the database's message to the analyst
        st.error(f"Query failed: {exc}")
    else:
        st.caption(f"{result.height} row(s)")
        st.dataframe(result, width="stretch", hide_index=True)
        st.download_button("Download CSV", result.write_csv(), file_name="hindsight-query.csv", mime="text/csv",
                           key="sql_csv")
