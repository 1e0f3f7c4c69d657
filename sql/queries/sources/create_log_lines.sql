-- Staging table for the lines of ONE log file (filled batch by batch from the reader), so records
-- that span reader batches (multi-line tracebacks) and repeated identical records are seen whole.
CREATE OR REPLACE TEMP TABLE log_lines (line_no BIGINT, byte_offset BIGINT, line VARCHAR)
