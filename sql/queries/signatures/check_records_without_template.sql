-- Asset check: log records without a template, and record templates that point to no template (both 0).
SELECT (SELECT count(*) FROM core.log_records AS r
        WHERE NOT EXISTS (SELECT 1 FROM core.log_record_templates AS t WHERE t.record_id = r.record_id)),
       (SELECT count(*) FROM core.log_record_templates AS t
        WHERE NOT EXISTS (SELECT 1 FROM core.log_templates AS l WHERE l.template_id = t.template_id))
