-- Plain-text logs, step 1 (one pass over the staged lines, temp table log_lines):
-- * match each line against the line-format regex $1 and extract its fields in ONE regex pass ($1 wraps
--   the whole format in capture group 1, named "__line__" in {names}: a line matched iff it is non-empty);
--   a line starting with whitespace never matches (stack frames are indented);
-- * a header is a matching line whose time fields parse ({ts_expr}, chosen per file; {ts_required} is
--   false for formats without time fields), so a traceback line that happens to fit a loose format
--   ("ValueError: invalid literal for int() ...") stays a continuation line;
-- * records are numbered with a running sum of the header flags: a non-header line belongs to the record
--   of the last header above it; rec_no = 0 means "before any header". single = a header whose next line
--   is a header too (or the end): most records, assembled later without aggregation.
CREATE OR REPLACE TEMP TABLE log_marked AS
WITH extracted AS (
    SELECT line_no, byte_offset, line,
           CASE WHEN line <> '' AND left(line, 1) NOT IN (' ', chr(9)) THEN regexp_extract(line, $1, {names}) END AS f
    FROM (SELECT line_no, byte_offset, rtrim(line) AS line FROM log_lines)
), flagged AS (
    SELECT line_no, byte_offset, line,
           CASE WHEN f."__line__" <> '' THEN f END AS f,
           CASE WHEN f."__line__" <> '' THEN {ts_expr} END AS ts
    FROM extracted
), headed AS (
    SELECT *, f IS NOT NULL AND (ts IS NOT NULL OR NOT {ts_required}) AS is_header FROM flagged
)
SELECT line_no, byte_offset, line,
       CASE WHEN is_header THEN f END AS f,
       CASE WHEN is_header THEN ts END AS ts,
       is_header,
       sum(CAST(is_header AS INTEGER)) OVER w AS rec_no,
       is_header AND coalesce(lead(is_header) OVER w, true) AS single
FROM headed
WINDOW w AS (ORDER BY line_no ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
