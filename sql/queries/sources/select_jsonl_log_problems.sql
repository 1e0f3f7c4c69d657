-- JSON-lines logs: lines that are not records, with why (blank lines are ignored, the rest quarantined).
SELECT line_no, byte_offset, problem, line FROM log_json WHERE problem IS NOT NULL ORDER BY line_no
