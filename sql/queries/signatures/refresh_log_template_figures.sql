-- After a change of grouping version: every template's figures recomputed from its records, and the
-- templates left without a record (their records moved to other ids, see core.signature_lineage) dropped.
UPDATE core.log_templates AS t
SET line_count = a.n, first_seen = a.first_seen, last_seen = a.last_seen
FROM (
    SELECT rt.template_id, count(*) AS n, min(r.ts) AS first_seen, max(r.ts) AS last_seen
    FROM core.log_record_templates AS rt JOIN core.log_records AS r USING (record_id)
    GROUP BY rt.template_id
) AS a
WHERE t.template_id = a.template_id;

DELETE FROM core.log_templates AS t
WHERE NOT EXISTS (SELECT 1 FROM core.log_record_templates AS r WHERE r.template_id = t.template_id);
