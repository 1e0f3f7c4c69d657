-- Log records to template in this run: those without a template, and those templated under another
-- grouping version ($version; NULL = before versions existed), with the template they had then.
SELECT r.record_id, coalesce(r.message, '') AS message, r.ts, t.template_id AS old_template_id
FROM core.log_records AS r
LEFT JOIN core.log_record_templates AS t USING (record_id)
WHERE t.record_id IS NULL OR t.grouping_version IS DISTINCT FROM $version
ORDER BY r.file_id, r.line_no
