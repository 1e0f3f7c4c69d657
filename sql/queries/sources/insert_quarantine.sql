-- Rejected records of one file -> core.quarantine. The excerpt and detail are scrubbed here, in memory,
-- before anything reaches the table (the scrub expressions are generated from models/sources/scrub.py).
-- Rejects are often fragments of one broken record (a key whose lines were split into "records"): the
-- matches of the batch's texts read together that span two of them ({spanning_pairs}) are propagated to
-- every excerpt, so a key body quarantined alone on its line is hidden too.
-- Params: file_id, path, source, quarantined_at. Input: Arrow table _hs_rejects (passed by name to models.warehouse.execute).
INSERT INTO core.quarantine (file_id, path, source, line_no, byte_offset, reason, detail, excerpt, quarantined_at)
WITH spanning AS (
    SELECT {spanning_pairs} AS _hs_pairs
    FROM (SELECT string_agg(raw, chr(10) ORDER BY line_no, byte_offset) AS joined FROM _hs_rejects)
)
SELECT ?, ?, ?, line_no, byte_offset, reason, {scrub_detail}, left({scrub_excerpt}, {excerpt_chars}), ?
FROM _hs_rejects, spanning
