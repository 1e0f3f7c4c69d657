-- The highest cluster number ever handed out, from every table that remembers ids, so that an id is
-- never reused even if a cluster row were lost.
SELECT max(TRY_CAST(substr(cluster_id, 3) AS BIGINT))
FROM (
    SELECT cluster_id FROM core.clusters
    UNION ALL SELECT cluster_id FROM core.cluster_members
    UNION ALL SELECT from_cluster_id FROM core.cluster_merges
    UNION ALL SELECT cluster_id FROM core.cluster_id_checkpoint
)
WHERE cluster_id LIKE 'C-%'
