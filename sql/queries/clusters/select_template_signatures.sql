-- One row per log template seen on error-level records ($1 = list of error levels, upper-case).
-- `linked_fingerprint` is the fingerprint most of the template's records' events carry (a log record
-- with a traceback becomes an event): such a template is the same failure as that fingerprint.
WITH recs AS (
    SELECT t.template_id, r.record_id, r.event_id, r.ts
    FROM core.log_record_templates t
    JOIN core.log_records r USING (record_id)
    WHERE upper(coalesce(r.level, '')) IN (SELECT unnest($1::VARCHAR[]))
)
SELECT recs.template_id AS signature,
       lt.template,
       count(*) AS n_records,
       count(*) FILTER (WHERE recs.event_id IS NULL) AS n_records_without_event,
       arg_min(recs.record_id, (recs.ts, recs.record_id)) AS rep_record_id,
       mode(f.fingerprint) AS linked_fingerprint
FROM recs
JOIN core.log_templates lt USING (template_id)
LEFT JOIN core.event_fingerprints f ON f.event_id = recs.event_id
GROUP BY recs.template_id, lt.template
ORDER BY recs.template_id
