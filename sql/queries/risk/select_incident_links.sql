-- Incidents linked to clusters (merged clusters resolved), with when each incident started.
SELECT DISTINCT cluster_id, incident_id, started_at
FROM incident_clusters
ORDER BY cluster_id, incident_id;
