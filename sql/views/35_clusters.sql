-- Stage 3b: recurring failure clusters (see sql/reference/35_clusters.md). Merged clusters resolve to
-- the surviving id everywhere: `merged_into` always names the survivor (the chain is flattened).

CREATE OR REPLACE VIEW cluster_signatures AS
SELECT m.signature,
       m.signature_kind,
       coalesce(c.merged_into, m.cluster_id) AS cluster_id,
       m.assigned_at,
       sf.title,
       sf.failure_class,
       sf.class_rule,
       sf.exception_type,
       sf.crash_path,
       sf.crash_function,
       sf.crash_context,
       sf.event_count
FROM core.cluster_members m
JOIN core.clusters c ON c.cluster_id = m.cluster_id
LEFT JOIN core.signature_features sf ON sf.signature = m.signature;

CREATE OR REPLACE VIEW clusters AS
SELECT c.cluster_id, c.status, c.merged_into, c.title, c.failure_class, c.exception_type,
       c.first_seen, c.last_seen, c.event_count, c.releases, c.services, c.representative_event_id,
       (SELECT count(*) FROM core.cluster_members m WHERE m.cluster_id = c.cluster_id) AS signature_count,
       c.created_at, c.updated_at
FROM core.clusters c;

CREATE OR REPLACE VIEW cluster_events AS
SELECT cs.cluster_id, e.event_id, f.fingerprint, e.ts, e.release, e.environment, e.service, e.origin,
       e.exception_type
FROM core.events e
JOIN core.event_fingerprints f ON f.event_id = e.event_id
JOIN cluster_signatures cs ON cs.signature = f.fingerprint;

CREATE OR REPLACE VIEW cluster_log_records AS
SELECT cs.cluster_id, r.record_id, t.template_id, r.ts, r.level, r.service, r.event_id
FROM core.log_record_templates t
JOIN core.log_records r ON r.record_id = t.record_id
JOIN cluster_signatures cs ON cs.signature = t.template_id;

-- Occurrences per day: error events plus error log records that did not become an event.
CREATE OR REPLACE VIEW cluster_daily AS
SELECT cluster_id, day, sum(n)::BIGINT AS events, sum(from_logs)::BIGINT AS log_records
FROM (
    SELECT cluster_id, CAST(ts AS DATE) AS day, 1 AS n, 0 AS from_logs FROM cluster_events
    UNION ALL
    SELECT cluster_id, CAST(ts AS DATE), 1, 1 FROM cluster_log_records WHERE event_id IS NULL AND ts IS NOT NULL
)
GROUP BY cluster_id, day;

CREATE OR REPLACE VIEW cluster_flags AS
SELECT f.cluster_id, f.flag, f.day, f.detail, f.flagged_at, c.title, c.failure_class
FROM core.cluster_flags f
LEFT JOIN core.clusters c ON c.cluster_id = f.cluster_id;

CREATE OR REPLACE VIEW incident_clusters AS
SELECT l.incident_id, i.title AS incident_title, i.started_at, i.resolved_at, i.severity,
       coalesce(c.merged_into, l.cluster_id) AS cluster_id, c.title AS cluster_title, c.failure_class,
       l.evidence, l.detail, l.confidence
FROM core.incident_cluster_links l
JOIN core.incidents i ON i.incident_id = l.incident_id
LEFT JOIN core.clusters c ON c.cluster_id = l.cluster_id;
