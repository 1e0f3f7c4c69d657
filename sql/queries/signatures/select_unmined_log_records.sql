-- Log records that have no template yet (the miner is incremental).
SELECT r.record_id, coalesce(r.message, '') AS message, r.ts
FROM core.log_records AS r
WHERE NOT EXISTS (SELECT 1 FROM core.log_record_templates AS t WHERE t.record_id = r.record_id)
ORDER BY r.file_id, r.line_no
