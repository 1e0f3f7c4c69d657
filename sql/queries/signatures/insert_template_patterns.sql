-- New patterns of this run (registered relation `new_patterns`: pattern, template_id), version $version.
INSERT INTO core.log_template_patterns (pattern, template_id, created_at, grouping_version)
SELECT pattern, template_id, now()::TIMESTAMP, $version FROM new_patterns
ON CONFLICT (pattern) DO UPDATE SET template_id = excluded.template_id, grouping_version = excluded.grouping_version
