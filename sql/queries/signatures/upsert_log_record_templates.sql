-- Template of each record of this run (registered relation `run_records`: record_id, template_id),
-- version $version; a record templated under another version is updated in place.
INSERT INTO core.log_record_templates (record_id, template_id, grouping_version)
SELECT record_id, template_id, $version FROM run_records
ON CONFLICT (record_id) DO UPDATE SET
    template_id = excluded.template_id,
    grouping_version = excluded.grouping_version
