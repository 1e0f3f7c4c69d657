-- Plain-text logs: the lines of the chunk's last record (rec_no $1), carried into the next chunk
-- because its continuation lines may follow there.
CREATE OR REPLACE TEMP TABLE log_carry AS
SELECT line_no, byte_offset, line FROM log_marked WHERE rec_no = $1 ORDER BY line_no
