"""`link_incidents`: which clusters an incident is about, with the evidence and a confidence.

Evidence, strongest first: trace ids the incident mentions that errors of the cluster carry,
fingerprints (or cluster ids) it mentions, its error messages equal (or contained) after both
sides are parameterized, and — weakest — errors of its services during its time window.
The scores are in `sql/queries/clusters/select_incident_links.sql`.
"""

from __future__ import annotations

import duckdb

from models.clusters.documents import register_macros
from models.config import Config
from models.warehouse import read_sql, run_sql_file, unit_of_work


def link_incidents(con: duckdb.DuckDBPyConnection, config: Config | None = None) -> dict:
    s = (config or Config()).clusters
    register_macros(con)
    with unit_of_work(con):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _links AS {read_sql('queries/clusters/select_incident_links')}",
            [s.incident_window_before_min, s.incident_window_after_min],
        )
        con.execute("DELETE FROM core.incident_cluster_links")
        run_sql_file(con, "queries/clusters/replace_incident_links")
        counts = dict(con.execute("SELECT evidence, count(*) FROM _links GROUP BY evidence").fetchall())
        incidents = con.execute("SELECT count(DISTINCT incident_id) FROM _links").fetchall()[0][0]
        con.execute("DROP TABLE _links")
    return {"links": sum(counts.values()), "incidents_linked": int(incidents), "by_evidence": counts}
