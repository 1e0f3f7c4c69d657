-- Error events (an exception, or level error/fatal/critical) that reach no cluster: no fingerprint,
-- or a fingerprint that is not a cluster member. Returns the count and up to 10 example ids.
SELECT count(*) AS missing, list(e.event_id ORDER BY e.event_id)[1:10] AS examples
FROM core.events e
LEFT JOIN core.event_fingerprints f ON f.event_id = e.event_id
LEFT JOIN core.cluster_members m ON m.signature = f.fingerprint
WHERE m.cluster_id IS NULL
  AND (e.exception_type IS NOT NULL OR lower(coalesce(e.level, 'error')) IN ('error', 'fatal', 'critical'))
