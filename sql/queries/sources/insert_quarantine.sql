-- Rejected records of one file -> core.quarantine. The excerpt and detail are scrubbed here, in memory,
-- before anything reaches the table (the scrub expressions are generated from models/sources/scrub.py).
-- Params: file_id, path, source, quarantined_at. Input: Arrow table _hs_rejects (a local of FileLoad.quarantine).
INSERT INTO core.quarantine (file_id, path, source, line_no, byte_offset, reason, detail, excerpt, quarantined_at)
SELECT ?, ?, ?, line_no, byte_offset, reason, {scrub_detail}, left({scrub_excerpt}, {excerpt_chars}), ?
FROM _hs_rejects
