"""Incidents linked to clusters by trace id, fingerprint, message and service/time, with confidences."""

from __future__ import annotations

from datetime import timedelta

from clusters.factory import (
    NOW,
    add_event,
    add_incident,
    add_log_record,
    checkout_frames,
    fingerprint,
    sql_frames,
)
from models.clusters import build_clusters, link_incidents

TIMEOUT = "HTTPSConnectionPool(host='api.pay.example.com', port=443): Read timed out. (read timeout=5)"


def links(con, incident_id: str) -> dict[tuple[str, str], float]:
    rows = con.execute(
        "SELECT c.representative_event_id, l.evidence, l.confidence FROM incident_clusters l"
        " JOIN core.clusters c USING (cluster_id) WHERE l.incident_id = ?",
        [incident_id],
    ).fetchall()
    return {(rep, evidence): conf for rep, evidence, conf in rows}


def world(con):
    add_event(con, "timeout", ts=NOW, exc_type="ReadTimeout", value=TIMEOUT, frames=checkout_frames(),
              trace_id="4bf92f3577b34da6a3ce929d0e0e4736", service="checkout")  # fmt: skip
    add_event(con, "sql", ts=NOW + timedelta(days=20), exc_type="OperationalError", value='near "s": syntax error',
              frames=sql_frames(), service="search")  # fmt: skip
    add_log_record(con, "r1", ts=NOW, message="payment provider refused batch 1881", service="checkout",
                   template_id="T-refused", template="payment provider refused batch <*>")  # fmt: skip
    fingerprint(con)
    build_clusters(con)


def test_link_by_trace_id_and_service_window(warehouse):
    con = warehouse
    world(con)
    add_incident(con, "INC-1", started_at=NOW - timedelta(minutes=5), resolved_at=NOW + timedelta(minutes=30),
                 services=["checkout"], trace_ids=["4bf92f3577b34da6a3ce929d0e0e4736"])  # fmt: skip
    figures = link_incidents(con)
    got = links(con, "INC-1")
    assert got[("timeout", "trace_id")] == 0.95
    # the timeout and the refused-batch log line are the checkout errors in the window: weaker links
    assert 0.2 < got[("timeout", "service_time")] < 0.95
    assert not any(rep == "sql" for rep, _ in got)  # another service, another time
    assert figures["by_evidence"]["trace_id"] == 1
    detail = con.execute("SELECT detail FROM incident_clusters WHERE evidence = 'trace_id'").fetchall()[0][0]
    assert "4bf92f3577b34da6a3ce929d0e0e4736" in detail


def test_link_by_message_parameterized_on_both_sides(warehouse):
    con = warehouse
    world(con)
    # the incident quotes the error with another host and timeout: equal once parameterized
    add_incident(con, "INC-2", started_at=NOW + timedelta(hours=2), services=["billing"],
                 error_messages=[("ReadTimeout: HTTPSConnectionPool(host='api2.pay.example.com', port=8443): "
                                 "Read timed out. (read timeout=30)"),
                                 "payment provider refused batch 77"])  # fmt: skip
    # the same SQL error quoted in an incident 200 days later: still linked, with less confidence
    add_incident(
        con, "INC-3", started_at=NOW + timedelta(days=200), error_messages=['near "s": syntax error']
    )
    link_incidents(con)
    got = links(con, "INC-2")
    assert got[("timeout", "message")] == 0.85
    assert (None, "message") in got  # the template-only cluster (no event) matched by its template
    assert links(con, "INC-3") == {("sql", "message"): 0.6}


def test_link_by_fingerprint_and_relinking_is_idempotent(warehouse):
    con = warehouse
    world(con)
    fp = con.execute("SELECT fingerprint FROM core.event_fingerprints WHERE event_id = 'sql'").fetchall()[0][
        0
    ]
    add_incident(con, "INC-4", started_at=NOW + timedelta(days=40), fingerprints=[fp, "no-such-fingerprint"])
    link_incidents(con)
    first = con.execute("SELECT * FROM core.incident_cluster_links ORDER BY ALL").fetchall()
    assert links(con, "INC-4") == {("sql", "fingerprint"): 0.9}
    link_incidents(con)
    assert con.execute("SELECT * FROM core.incident_cluster_links ORDER BY ALL").fetchall() == first
