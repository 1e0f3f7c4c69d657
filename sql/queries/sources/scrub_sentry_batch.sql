-- Step 1 of a Sentry batch: scrub the raw text in memory, ONCE, before anything is parsed or stored.
-- Input: registered Arrow table _hs_staged(rid, line_no, byte_offset, raw, origin, log_record_id, deep).
-- {scrub_raw} is generated from models/sources/scrub.py SCRUB_RULES. The temp table holds scrubbed text only.
CREATE OR REPLACE TEMP TABLE _hs_scrubbed AS
SELECT rid, line_no, byte_offset, origin, log_record_id, deep, {scrub_raw} AS raw
FROM _hs_staged
