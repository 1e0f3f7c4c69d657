-- New patterns of this run (registered relation `new_patterns`: pattern, template_id).
INSERT INTO core.log_template_patterns (pattern, template_id, created_at)
SELECT pattern, template_id, now()::TIMESTAMP FROM new_patterns
ON CONFLICT (pattern) DO NOTHING
