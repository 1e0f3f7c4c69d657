-- Template of each newly mined record (registered relation `run_records`: record_id, template_id).
INSERT INTO core.log_record_templates (record_id, template_id)
SELECT record_id, template_id FROM run_records
ON CONFLICT (record_id) DO NOTHING
