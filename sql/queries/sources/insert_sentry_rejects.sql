-- Rejected records of a Sentry batch -> core.quarantine (the excerpt was scrubbed in the scratch DB).
-- Params: file_id, path, source, quarantined_at. Input: Arrow table _hs_reject_rows (passed by name to models.warehouse.execute).
INSERT INTO core.quarantine (file_id, path, source, line_no, byte_offset, reason, detail, excerpt, quarantined_at)
SELECT ?, ?, ?, line_no, byte_offset, reason, detail, excerpt, ?
FROM _hs_reject_rows
