-- Staging of ONE chunk of a log file: the lines of the reader batch (registered Arrow table
-- _hs_log_batch) after the lines carried over from the previous chunk (temp table log_carry: the
-- unfinished last record of a plain-text chunk, which may continue in this one).
CREATE OR REPLACE TEMP TABLE log_lines AS
SELECT line_no, byte_offset, line FROM log_carry
UNION ALL
SELECT line_no, byte_offset, line FROM _hs_log_batch
