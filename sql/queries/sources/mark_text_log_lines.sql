-- Plain-text logs, step 1 (one pass over the chunk's lines, temp table log_lines):
-- * {extract} matches each line against the line format and extracts its fields in one regex pass
--   (group 1 = the whole line, named "__line__": a line matched iff it is non-empty); a line starting
--   with whitespace never matches (stack frames are indented); {fallback} is tried only on the lines
--   that {extract} (the fast strict regex, when the format has one) does not match;
-- * a header is a matching line whose time fields parse ({ts_expr}, chosen per file; {ts_required} is
--   false for formats without time fields), so a traceback line that happens to fit a loose format
--   ("ValueError: invalid literal for int() ...") stays a continuation line;
-- * records are numbered with a running sum of the header flags: a non-header line belongs to the record
--   of the last header above it; rec_no = 0 means "before any header". single = a header whose next line
--   is a header too (or the end): most records, assembled later without aggregation. The window runs on
--   the narrow (line_no, is_header) rows and is joined back: sorting the wide rows costs three times more.
CREATE OR REPLACE TEMP TABLE log_marked AS
WITH extracted AS (
    SELECT line_no, byte_offset, line, CASE WHEN f0."__line__" = '' THEN {fallback} ELSE f0 END AS f
    FROM (
        SELECT line_no, byte_offset, line,
               CASE WHEN line <> '' AND left(line, 1) NOT IN (' ', chr(9)) THEN {extract} END AS f0
        FROM (SELECT line_no, byte_offset, rtrim(line) AS line FROM log_lines)
    )
), headed AS MATERIALIZED (
    SELECT line_no, byte_offset, line, f, ts, f IS NOT NULL AND (ts IS NOT NULL OR NOT {ts_required}) AS is_header
    FROM (
        SELECT line_no, byte_offset, line,
               CASE WHEN f."__line__" <> '' THEN f END AS f,
               CASE WHEN f."__line__" <> '' THEN {ts_expr} END AS ts
        FROM extracted
    )
), numbered AS (
    SELECT line_no,
           sum(CAST(is_header AS INTEGER)) OVER w AS rec_no,
           is_header AND coalesce(lead(is_header) OVER w, true) AS single
    FROM headed
    WINDOW w AS (ORDER BY line_no ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT h.line_no, h.byte_offset, h.line,
       CASE WHEN h.is_header THEN h.f END AS f,
       CASE WHEN h.is_header THEN h.ts END AS ts,
       h.is_header, n.rec_no, n.single
FROM headed h
JOIN numbered n USING (line_no)
