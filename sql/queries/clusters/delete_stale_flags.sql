-- Drop flags the data no longer supports (a merged cluster, a changed threshold); `_flags` holds the current set.
DELETE FROM core.cluster_flags f
WHERE NOT EXISTS (SELECT 1 FROM _flags n WHERE n.cluster_id = f.cluster_id AND n.flag = f.flag AND n.day = f.day)
