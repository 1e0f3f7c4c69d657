-- Links between incidents and (surviving) clusters, one row per (incident, cluster, evidence).
-- $1 / $2: minutes before the incident starts / after it ends (or starts, when unresolved) that
-- count as "during the incident". Needs the temp macros of models.clusters.documents.register_macros.
-- Confidence: trace id 0.95 · fingerprint or cluster id 0.9 · message equal after parameterization
-- 0.85 (0.6 when the cluster has no event within a day of the incident), message contained 0.7 (0.45)
-- · service and time overlap 0.2 + 0.4 x the cluster's share of the services' errors in the window,
-- + 0.1 when the cluster first appeared in the window (only shares >= 10% or new clusters).
WITH inc AS (
    SELECT incident_id, started_at, coalesce(resolved_at, started_at) AS ended_at, trace_ids, fingerprints,
           error_messages, services,
           started_at - to_minutes($1::BIGINT) AS win_start,
           coalesce(resolved_at, started_at) + to_minutes($2::BIGINT) AS win_end
    FROM core.incidents
),
occ AS (  -- every occurrence with what may link it
    SELECT cs.cluster_id, e.event_id AS occ_id, e.ts, e.service, e.trace_id
    FROM core.events e
    JOIN core.event_fingerprints f USING (event_id)
    JOIN cluster_signatures cs ON cs.signature = f.fingerprint
    UNION ALL
    SELECT cluster_id, record_id, r.ts, r.service, r.trace_id
    FROM cluster_log_records l JOIN core.log_records r USING (record_id)
    WHERE l.event_id IS NULL
),
by_trace AS (
    SELECT i.incident_id, o.cluster_id, 'trace_id' AS evidence,
           format('trace ids {} ({} occurrences)', string_agg(DISTINCT o.trace_id, ', ' ORDER BY o.trace_id),
                  count(*)) AS detail,
           0.95 AS confidence
    FROM inc i, unnest(i.trace_ids) AS t(tid)
    JOIN occ o ON o.trace_id = t.tid
    GROUP BY i.incident_id, o.cluster_id
),
mentioned AS (  -- a fingerprint / template id, or a cluster id (merged ids resolve to the survivor)
    SELECT cs.signature AS mention, cs.cluster_id FROM cluster_signatures cs
    UNION ALL
    SELECT c.cluster_id, coalesce(c.merged_into, c.cluster_id) FROM core.clusters c
),
by_fingerprint AS (
    SELECT i.incident_id, m.cluster_id, 'fingerprint' AS evidence,
           format('mentions {}', string_agg(DISTINCT t.fp, ', ' ORDER BY t.fp)) AS detail, 0.9 AS confidence
    FROM inc i, unnest(i.fingerprints) AS t(fp)
    JOIN mentioned m ON m.mention = t.fp
    GROUP BY i.incident_id, m.cluster_id
),
inc_msgs AS (
    SELECT i.incident_id, i.win_start, i.ended_at, m.msg, hs_match_key(m.msg) AS mkey
    FROM inc i, unnest(i.error_messages) AS m(msg)
    WHERE length(trim(m.msg)) > 0
),
texts AS (  -- distinct texts per cluster, keyed the same way
    SELECT cluster_id, hs_match_key(txt) AS ckey, false AS is_template
    FROM (
        SELECT DISTINCT cs.cluster_id, unnest([e.exception_type || ': ' || e.exception_value, e.exception_value,
                                               e.message]) AS txt
        FROM core.events e
        JOIN core.event_fingerprints f USING (event_id)
        JOIN cluster_signatures cs ON cs.signature = f.fingerprint
    )
    WHERE txt IS NOT NULL AND length(txt) >= 8
    UNION
    SELECT cs.cluster_id, lower(regexp_replace(t.template, '\s+', ' ', 'g')), true
    FROM cluster_signatures cs JOIN core.log_templates t ON t.template_id = cs.signature
),
msg_hits AS (
    SELECT m.incident_id, t.cluster_id, m.msg,
           CASE WHEN m.mkey = t.ckey
                     OR (t.is_template AND m.mkey LIKE replace(replace(replace(t.ckey, '%', '\%'), '_', '\_'),
                                                               '<*>', '%') ESCAPE '\')
                THEN 'equal' ELSE 'contained' END AS how,
           m.win_start, m.ended_at
    FROM inc_msgs m
    JOIN texts t ON m.mkey = t.ckey
        OR (t.is_template AND length(t.ckey) >= 12
            AND m.mkey LIKE replace(replace(replace(t.ckey, '%', '\%'), '_', '\_'), '<*>', '%') ESCAPE '\')
        OR (length(t.ckey) >= 20 AND contains(m.mkey, t.ckey))
        OR (length(m.mkey) >= 20 AND contains(t.ckey, m.mkey))
),
by_message AS (
    SELECT h.incident_id, h.cluster_id, 'message' AS evidence,
           format('{} message: {}', max(h.how), left(max(h.msg), 200)) AS detail,
           CASE WHEN bool_or(h.how = 'equal') THEN 0.85 ELSE 0.7 END
             - CASE WHEN EXISTS (SELECT 1 FROM occ o WHERE o.cluster_id = h.cluster_id
                                   AND o.ts BETWEEN max(h.win_start) - INTERVAL 1 DAY AND max(h.ended_at) + INTERVAL 1 DAY)
                    THEN 0 ELSE 0.25 END AS confidence
    FROM msg_hits h
    GROUP BY h.incident_id, h.cluster_id
),
in_window AS (
    SELECT i.incident_id, o.cluster_id, count(*) AS n, i.win_start, i.win_end
    FROM inc i, unnest(i.services) AS s(svc)
    JOIN occ o ON o.service = s.svc AND o.ts BETWEEN i.win_start AND i.win_end
    GROUP BY i.incident_id, o.cluster_id, i.win_start, i.win_end
),
by_service AS (
    SELECT w.incident_id, w.cluster_id, 'service_time' AS evidence,
           format('{} of {} errors of the incident''s services in its window{}', w.n,
                  sum(w.n) OVER (PARTITION BY w.incident_id),
                  CASE WHEN c.first_seen BETWEEN w.win_start AND w.win_end THEN '; first seen in the window' ELSE '' END)
               AS detail,
           least(0.7, 0.2 + 0.4 * w.n / sum(w.n) OVER (PARTITION BY w.incident_id)
                      + CASE WHEN c.first_seen BETWEEN w.win_start AND w.win_end THEN 0.1 ELSE 0 END) AS confidence,
           w.n / sum(w.n) OVER (PARTITION BY w.incident_id) AS share,
           c.first_seen BETWEEN w.win_start AND w.win_end AS is_new
    FROM in_window w JOIN core.clusters c USING (cluster_id)
)
SELECT incident_id, cluster_id, evidence, detail, round(confidence, 3) AS confidence FROM by_trace
UNION ALL SELECT * FROM by_fingerprint
UNION ALL SELECT incident_id, cluster_id, evidence, detail, round(confidence, 3) FROM by_message
UNION ALL SELECT incident_id, cluster_id, evidence, detail, round(confidence, 3) FROM by_service
    WHERE share >= 0.1 OR is_new
