-- Records of the batch that cannot be loaded -> core.quarantine (the excerpt is already scrubbed).
-- Params: file_id, path, source, quarantined_at.
INSERT INTO core.quarantine (file_id, path, source, line_no, byte_offset, reason, detail, excerpt, quarantined_at)
SELECT ?, ?, ?, line_no, byte_offset, reason, detail, excerpt, ?
FROM _hs_ev
WHERE reason IS NOT NULL
