-- Error events per release and service, with distinct clusters and the share of blamed failures AI wrote.
SELECT e.release, e.service, count(*) AS events,
       count(DISTINCT ce.cluster_id) AS clusters,
       round(avg(CASE WHEN fa.ai_authored THEN 1.0 WHEN fa.commit_sha IS NOT NULL THEN 0.0 END), 3) AS ai_share,
       min(e.ts) AS first_event, max(e.ts) AS last_event
FROM events e
LEFT JOIN cluster_events ce USING (event_id)
LEFT JOIN frame_attribution fa ON fa.event_id = e.event_id AND fa.is_crash_site
GROUP BY ALL
ORDER BY first_event;
