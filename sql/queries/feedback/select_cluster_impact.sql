-- Active clusters with their impact: events, incidents, recurrence (days and releases seen).
-- One row per cluster; the feedback stage turns these into rule severity and evidence.
SELECT
    c.cluster_id,
    c.failure_class,
    c.title,
    c.exception_type,
    coalesce(c.event_count, 0)                                   AS event_count,
    c.first_seen,
    c.last_seen,
    coalesce(len(c.releases), 0)                                 AS release_count,
    coalesce(date_diff('day', c.first_seen, c.last_seen), 0) + 1 AS days_span,
    coalesce(i.incident_count, 0)                                AS incident_count
FROM core.clusters AS c
LEFT JOIN (
    SELECT cluster_id, count(DISTINCT incident_id) AS incident_count
    FROM core.incident_cluster_links
    GROUP BY cluster_id
) AS i USING (cluster_id)
WHERE c.status = 'active'
ORDER BY c.cluster_id
