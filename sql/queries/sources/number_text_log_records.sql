-- Plain-text logs, step 2: a header is a matching line whose time fields parse ({ts_expr}, chosen per
-- file; {ts_required} is false for formats without time fields) — so a traceback line that happens to
-- fit a loose format ("ValueError: invalid literal for int() ...") stays a continuation line.
-- Records are numbered with a running sum of the header flags: a non-header line belongs to the
-- record of the last header above it; rec_no = 0 means "before any header". single = a header whose
-- next line is a header too (or the end): most records, assembled without aggregation.
CREATE OR REPLACE TEMP TABLE log_marked AS
WITH timed AS (
    SELECT line_no, byte_offset, line, f, CASE WHEN matched THEN {ts_expr} END AS ts, matched
    FROM log_matched
), flagged AS (
    SELECT line_no, byte_offset, line, f, ts,
           coalesce(matched AND (ts IS NOT NULL OR NOT {ts_required}), false) AS is_header
    FROM timed
)
SELECT *,
       sum(CAST(is_header AS INTEGER)) OVER w AS rec_no,
       is_header AND coalesce(lead(is_header) OVER w, true) AS single
FROM flagged
WINDOW w AS (ORDER BY line_no ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
