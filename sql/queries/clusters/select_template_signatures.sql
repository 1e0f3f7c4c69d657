-- One row per log template seen on error-level records ($1 = list of error levels, upper-case).
-- `linked_fingerprint`: the fingerprint that at least 80% of the template's records' events carry
-- (a log record with a traceback becomes an event) — such a template is the same failure as that
-- fingerprint. A generic template ("Exception on <*> [GET]") whose records are events of several
-- bugs gets none.
WITH recs AS (
    SELECT t.template_id, r.record_id, r.event_id, r.ts
    FROM core.log_record_templates t
    JOIN core.log_records r USING (record_id)
    WHERE upper(coalesce(r.level, '')) IN (SELECT unnest($1::VARCHAR[]))
),
fp_counts AS (
    SELECT recs.template_id, f.fingerprint, count(*) AS n
    FROM recs JOIN core.event_fingerprints f USING (event_id)
    GROUP BY ALL
),
top_fp AS (
    SELECT template_id, arg_max(fingerprint, (n, fingerprint)) AS fingerprint, max(n) AS n, sum(n) AS total
    FROM fp_counts GROUP BY template_id
)
SELECT recs.template_id AS signature,
       lt.template,
       count(*) AS n_records,
       count(*) FILTER (WHERE recs.event_id IS NULL) AS n_records_without_event,
       arg_min(recs.record_id, (recs.ts, recs.record_id)) AS rep_record_id,
       CASE WHEN any_value(tf.n) >= 0.8 * any_value(tf.total) THEN any_value(tf.fingerprint) END AS linked_fingerprint
FROM recs
JOIN core.log_templates lt USING (template_id)
LEFT JOIN top_fp tf USING (template_id)
GROUP BY recs.template_id, lt.template
ORDER BY recs.template_id
