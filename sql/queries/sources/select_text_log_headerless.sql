-- Plain-text logs: non-blank lines before the first record header (they belong to no record).
SELECT line_no, byte_offset, line FROM log_marked WHERE rec_no = 0 AND line <> '' ORDER BY line_no
