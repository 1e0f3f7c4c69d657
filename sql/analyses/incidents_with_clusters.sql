-- Incidents with the clusters linked to them (how the link was found and its confidence), newest first.
SELECT i.incident_id, i.title, i.severity, i.started_at, i.duration_minutes,
       l.cluster_id, l.cluster_title, l.failure_class, l.evidence, l.confidence
FROM incidents i
LEFT JOIN incident_clusters l USING (incident_id)
ORDER BY i.started_at DESC, l.confidence DESC NULLS LAST;
