-- Crash sites, at the last revision they ran, of the clusters that stopped recurring
-- ($attr_fix_clusters from select_fix_clusters.sql): the lines a fix would change.
SELECT DISTINCT c.cluster_id, c.repo, c.last_revision, c.fix_revision, c.fix_release, c.first_seen, fa.repo_path, fa.line
FROM attr_fix_clusters c
JOIN attribution_cluster_events ce ON ce.cluster_id = c.cluster_id
JOIN frame_attribution fa ON fa.event_id = ce.event_id AND fa.is_crash_site AND fa.status = 'resolved'
WHERE fa.revision = c.last_revision
ORDER BY 1, 7, 8
