-- Refresh the descriptive columns of every active cluster from its (resolved) members.
-- $1 = now. Occurrences are error events (through their fingerprint) plus the log records of member
-- templates that did not become an event (through their template; templates become members only
-- when seen at an error level).
UPDATE core.clusters AS c
SET title = s.title,
    failure_class = s.failure_class,
    exception_type = s.exception_type,
    first_seen = s.first_seen,
    last_seen = s.last_seen,
    event_count = s.event_count,
    releases = s.releases,
    services = s.services,
    representative_event_id = s.representative_event_id,
    updated_at = $1
FROM (
    WITH members AS (
        SELECT m.signature, coalesce(k.merged_into, m.cluster_id) AS cluster_id
        FROM core.cluster_members m JOIN core.clusters k USING (cluster_id)
    ),
    occ AS (
        SELECT mb.cluster_id, e.ts, e.release, e.service
        FROM core.event_fingerprints f
        JOIN core.events e USING (event_id)
        JOIN members mb ON mb.signature = f.fingerprint
        UNION ALL
        SELECT mb.cluster_id, r.ts, NULL AS release, r.service
        FROM core.log_record_templates t
        JOIN core.log_records r USING (record_id)
        JOIN members mb ON mb.signature = t.template_id
        WHERE r.event_id IS NULL  -- records that became events are counted through their fingerprint
    ),
    agg AS (
        SELECT cluster_id, min(ts) AS first_seen, max(ts) AS last_seen, count(*) AS event_count,
               list_sort(list_distinct(list(release))) AS releases,
               list_sort(list_distinct(list(service))) AS services
        FROM occ GROUP BY cluster_id
    ),
    feats AS (
        SELECT mb.cluster_id, sf.*
        FROM members mb JOIN core.signature_features sf USING (signature)
    ),
    top AS (  -- the signature with the most occurrences names the cluster
        SELECT cluster_id,
               arg_max(title, (event_count, signature)) AS title,
               arg_max(exception_type, (event_count, signature)) AS exception_type,
               arg_max(representative_event_id, (representative_event_id IS NOT NULL, event_count, signature))
                   AS representative_event_id
        FROM feats GROUP BY cluster_id
    ),
    cls AS (  -- failure class: vote of the member signatures weighted by occurrences, known classes first
        SELECT cluster_id, arg_max(failure_class, (failure_class <> 'unknown', w, failure_class)) AS failure_class
        FROM (SELECT cluster_id, failure_class, sum(event_count) AS w FROM feats GROUP BY ALL)
        GROUP BY cluster_id
    )
    SELECT top.cluster_id, top.title, top.exception_type, top.representative_event_id, cls.failure_class,
           agg.first_seen, agg.last_seen, coalesce(agg.event_count, 0) AS event_count,
           coalesce(agg.releases, []) AS releases, coalesce(agg.services, []) AS services
    FROM top JOIN cls USING (cluster_id) LEFT JOIN agg USING (cluster_id)
) AS s
WHERE c.cluster_id = s.cluster_id AND c.status = 'active'
