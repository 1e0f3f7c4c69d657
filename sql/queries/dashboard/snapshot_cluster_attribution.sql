-- Materialized into the snapshot as dash.cluster_attribution (per-cluster AI shares; built on frame_attribution).
SELECT * FROM main.cluster_attribution
