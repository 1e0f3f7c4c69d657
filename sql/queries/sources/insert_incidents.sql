-- New incidents: the first row of each incident id not already stored (the first load wins).
-- Params: $1 file_id, $2 ingested_at.
INSERT INTO core.incidents (incident_id, title, severity, severity_rank, status, started_at, resolved_at, services,
                            summary, trace_ids, error_messages, fingerprints, url, attributes, file_id, line_no, ingested_at)
SELECT incident_id, title, severity, severity_rank, status, started_at, resolved_at, services,
       summary, trace_ids, error_messages, fingerprints, url, attributes, $1, line_no, $2
FROM incident_staged s
WHERE problem IS NULL AND NOT dup_in_file
  AND NOT EXISTS (SELECT 1 FROM core.incidents i WHERE i.incident_id = s.incident_id)
