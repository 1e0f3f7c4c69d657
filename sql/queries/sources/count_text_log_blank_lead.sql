-- Plain-text logs: blank lines before the first record header (ignored, counted).
SELECT count(*) FROM log_marked WHERE rec_no = 0 AND line = ''
