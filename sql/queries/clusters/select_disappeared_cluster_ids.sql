-- Cluster ids recorded by an earlier check that no longer exist in core.clusters.
SELECT k.cluster_id FROM core.cluster_id_checkpoint k
WHERE NOT EXISTS (SELECT 1 FROM core.clusters c WHERE c.cluster_id = k.cluster_id)
ORDER BY k.cluster_id
