-- Clusters flagged as regressions or spikes, newest first, with the reason the clusters stage gave.
SELECT day, flag, cluster_id, title, failure_class, detail
FROM cluster_flags
WHERE flag IN ('regression', 'spike')
ORDER BY day DESC, flag, cluster_id
LIMIT 200;
