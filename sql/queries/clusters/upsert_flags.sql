-- Add new flags (flagged now) and refresh the detail of existing ones; $1 = now.
MERGE INTO core.cluster_flags f
USING _flags n ON n.cluster_id = f.cluster_id AND n.flag = f.flag AND n.day = f.day
WHEN MATCHED THEN UPDATE SET detail = n.detail
WHEN NOT MATCHED THEN INSERT (cluster_id, flag, day, detail, flagged_at) VALUES (n.cluster_id, n.flag, n.day, n.detail, $1)
