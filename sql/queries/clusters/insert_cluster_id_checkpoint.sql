-- Remember every current cluster id ($1 = now) so that the next check can tell if one disappeared.
INSERT INTO core.cluster_id_checkpoint
SELECT cluster_id, $1 FROM core.clusters
ON CONFLICT DO NOTHING
