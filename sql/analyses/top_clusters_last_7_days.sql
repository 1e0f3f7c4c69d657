-- Top clusters of the last 7 days of data: events, first/last seen, and whether the cluster is new this week.
-- The week ends at the newest event in the warehouse (not today), so it works on historical exports too.
WITH bounds AS (SELECT max(ts) AS newest FROM events)
SELECT c.cluster_id, c.title, c.failure_class, count(*) AS events_7d,
       c.first_seen, max(ce.ts) AS last_seen,
       c.first_seen >= (SELECT newest FROM bounds) - INTERVAL 7 DAY AS new_this_week
FROM cluster_events ce JOIN clusters c USING (cluster_id)
WHERE ce.ts >= (SELECT newest FROM bounds) - INTERVAL 7 DAY
GROUP BY ALL
ORDER BY events_7d DESC
LIMIT 25;
