-- Production failures placed in a repository: crash sites per (path, function, cluster, day).
-- Features read them "as of" a commit's day, so a commit only sees failures seen before it.
SELECT fa.repo_path AS path, fa.function, ce.cluster_id, e.ts::DATE AS day, count(DISTINCT fa.event_id) AS events
FROM frame_attribution AS fa
JOIN attribution_cluster_events AS ce USING (event_id)
JOIN core.events AS e USING (event_id)
WHERE fa.repo = $repo AND fa.is_crash_site AND fa.status = 'resolved' AND e.ts IS NOT NULL
GROUP BY ALL
ORDER BY path, function, cluster_id, day;
