"""Incident exports: CSV and JSON shapes with column aliases, quarantine, de-duplication, secrets."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from models.sources.incidents import canonical_row, normalise_key
from models.sources.ingest import ingest_path
from models.warehouse import connect

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples" / "incidents"


def _incident(con, incident_id):
    row = con.execute(
        "SELECT title, severity, severity_rank, status, strftime(started_at, '%Y-%m-%d %H:%M:%S'), "
        "strftime(resolved_at, '%Y-%m-%d %H:%M:%S'), services, summary, trace_ids, error_messages, fingerprints, url, "
        "attributes, line_no FROM core.incidents WHERE incident_id = ?",
        [incident_id],
    ).fetchone()
    assert row is not None, incident_id
    return row


def test_pagerduty_json_object_with_aliases_and_bad_rows(warehouse):
    (report,) = ingest_path(warehouse, SAMPLES / "pagerduty_incidents.json", source="incidents")
    assert (report.format, report.read, report.loaded, report.duplicate, report.quarantined) == (
        "json",
        6,
        2,
        1,
        3,
    )
    title, sev, rank, status, started, resolved, services, summary, traces, errors, fps, url, attrs, row = (
        _incident(warehouse, "PT4KHLK")
    )
    assert title == "Checkout 500s: TimeoutError in payment gateway"  # the first row wins over the re-export
    assert (sev, rank, status, started, resolved) == (
        "P1",
        1,
        "resolved",
        "2026-10-02 14:03:00",
        "2026-10-02 15:10:00",
    )
    assert services == ["checkout"] and url.endswith("/PT4KHLK") and row == 1
    assert traces == ["4bf92f3577b34da6a3ce929d0e0e4736"]  # found in the description text
    assert errors == ["TimeoutError: timed out after 120s"] and fps == ["payments-timeout"]
    assert "sk_live_" not in summary and "<secret:" in summary
    assert json.loads(attrs) == {"incident_number": 1234, "urgency": "high"}
    # +02:00 offset converted to UTC; P3 -> rank 3
    assert _incident(warehouse, "PX11111")[1:5] == ("P3", 3, "acknowledged", "2026-10-05 07:00:00")
    bad = warehouse.execute("SELECT line_no, reason, detail FROM core.quarantine ORDER BY line_no").fetchall()
    assert bad == [
        (4, "missing_field", "row 4: no start time"),
        (5, "wrong_type", "row 5: start time does not parse"),
        (6, "not_an_object", "item 6 is not an object"),
    ]


def test_incidentio_json_array_epoch_start_nested_severity_and_postmortem(warehouse):
    (report,) = ingest_path(warehouse, SAMPLES / "incidentio_export.json", source="incidents")
    assert (report.loaded, report.quarantined) == (1, 0)
    title, sev, rank, status, started, resolved, services, summary, traces, *_ = _incident(
        warehouse, "01HX9Q0"
    )
    assert (title, sev, rank, status) == ("Search latency spike", "Minor", 4, "Closed")
    assert (started, resolved) == ("2025-10-02 10:13:20", "2025-10-02 12:00:00")
    assert services == ["api", "search"]
    assert "GC pauses" in summary and "Root cause: unbounded query" in summary
    assert traces == ["0af7651916cd43dd8448eb211c80319c"]


def test_jira_csv_aliases_multiline_fields_and_row_numbers(warehouse, tmp_path):
    gz = tmp_path / "jira_export.csv.gz"  # gzip is read transparently
    gz.write_bytes(gzip.compress((SAMPLES / "firehydrant_jira.csv").read_bytes()))
    (report,) = ingest_path(warehouse, gz, source="incidents")
    assert (report.format, report.read, report.loaded, report.duplicate, report.quarantined) == (
        "csv",
        7,
        2,
        1,
        4,
    )
    assert report.read == report.loaded + report.duplicate + report.ignored + report.quarantined
    title, sev, rank, status, started, resolved, services, summary, traces, *_, row = _incident(
        warehouse, "OPS-101"
    )
    assert (title, sev, rank, status) == ("Login fails for SSO users", "Critical", 1, "Done")
    assert (started, resolved, services, row) == (
        "2026-09-01 08:15:00",
        "2026-09-01 09:40:00",
        ["api", "auth"],
        2,
    )
    assert (
        summary.startswith("Users saw 401s.\nRoot cause")
        and "Sup3rSecret" not in summary
        and "bob@" not in summary
    )
    assert traces == ["5bd66ef5095369c7b0d1f8f4bd33716a"]
    assert _incident(warehouse, "OPS-102")[1:5] == ("SEV3", 3, "In Progress", "2026-09-03 10:00:00")
    bad = warehouse.execute("SELECT line_no, reason, detail FROM core.quarantine ORDER BY line_no").fetchall()
    assert bad == [
        (5, "missing_field", "row 3: no title"),
        (6, "missing_field", "row 4: no incident id"),
        (7, "wrong_type", "row 5: resolved before it started"),
        (8, "wrong_type", "row 6 has 12 fields, header has 10"),
    ]


def test_reingest_and_reexport_do_not_duplicate(warehouse, tmp_path):
    first = ingest_path(warehouse, SAMPLES, source="incidents")
    assert sum(r.loaded for r in first) == 5
    again = ingest_path(warehouse, SAMPLES, source="incidents")
    assert all(r.already_ingested for r in again)
    # a later export of the same incidents under another name: every valid row is a duplicate
    reexport = tmp_path / "pd-2026-10-06.json"
    doc = json.loads((SAMPLES / "pagerduty_incidents.json").read_text())
    doc["incidents"][0]["status"] = "postmortem"
    reexport.write_text(json.dumps(doc))
    (report,) = ingest_path(warehouse, reexport, source="incidents")
    assert (report.loaded, report.duplicate) == (0, 3)
    assert warehouse.execute("SELECT count(*) FROM core.incidents").fetchone()[0] == 5
    assert _incident(warehouse, "PT4KHLK")[3] == "resolved"  # first load wins


def test_secrets_in_incident_text_absent_from_warehouse_file(warehouse_path, tmp_path):
    secrets = ["xoxb-123456789012-abcdefghijklmn", "P4ssw0rd!-incident", "erin.oncall@example.com"]
    path = tmp_path / "incidents.json"
    path.write_text(
        json.dumps(
            {
                "data": [
                    {
                        "id": "INC-9",
                        "name": f"Slack token {secrets[0]} leaked",
                        "priority": "P2",
                        "createdAt": "2026-02-03T04:05:06Z",
                        "description": f"db password={secrets[1]} paged {secrets[2]}",
                        "errors": [f"AuthError: token {secrets[0]} rejected"],
                        "notes": f"contact {secrets[2]}",
                    }
                ]
            }
        )
    )
    con = connect(warehouse_path)
    (report,) = ingest_path(con, path, source="incidents")
    assert report.loaded == 1
    dump = str(con.execute("SELECT CAST(i AS VARCHAR) FROM core.incidents i").fetchall())
    assert "<secret:" in dump and "<pii:email>" in dump
    con.execute("CHECKPOINT")
    con.close()
    raw = warehouse_path.read_bytes()
    for s in secrets:
        assert s not in dump and s.encode() not in raw


def test_malformed_json_export_is_quarantined_whole(warehouse, tmp_path):
    bad = tmp_path / "broken_incidents.json"
    bad.write_text('[{"id": "A", "title": "x", "started_at": "2026-01-01T00:00:00Z"}, {"id": ')
    (report,) = ingest_path(warehouse, bad, source="incidents")
    assert (report.loaded, report.quarantined) == (0, 1)
    assert warehouse.execute("SELECT reason FROM core.quarantine").fetchone()[0] == "malformed_json"


def test_alias_mapping_unit():
    row = {
        normalise_key(k): v
        for k, v in {
            "Issue key": "X-1",
            "Summary": "t",
            "Description": "d",
            "Component/s": "a; b",
            "Created": "2026-01-01",
            "Sentry Fingerprints": "fp1, fp2",
            "Severity": {"name": "SEV2"},
        }.items()
    }
    out = canonical_row(row)
    assert (out["incident_id"], out["title"], out["summary"], out["severity"]) == ("X-1", "t", "d", "SEV2")
    assert out["services"] == ["a", "b"] and out["fingerprints"] == ["fp1", "fp2"]


def test_too_deep_json_export_is_quarantined(warehouse, tmp_path):
    deep = tmp_path / "deep_incidents.json"
    deep.write_text("[" + "[" * 100_000 + "]" * 100_000 + "]")
    (report,) = ingest_path(warehouse, deep, source="incidents")
    assert (report.read, report.loaded, report.quarantined) == (1, 0, 1)
    assert warehouse.execute("SELECT reason FROM core.quarantine").fetchone()[0] == "too_deep"
