-- Plain-text logs, step 1: match every staged line (temp table log_lines) against the line-format regex
-- $1 and extract its fields in ONE regex pass. $1 wraps the whole format in capture group 1 (named
-- "__line__" in {names}), so a line matched iff that group is non-empty.
-- A line starting with whitespace never matches (stack frames are indented).
CREATE OR REPLACE TEMP TABLE log_matched AS
SELECT line_no, byte_offset, line, f."__line__" <> '' AS matched, f
FROM (
    SELECT line_no, byte_offset, line,
           CASE WHEN line <> '' AND left(line, 1) NOT IN (' ', chr(9)) THEN regexp_extract(line, $1, {names}) END AS f
    FROM (SELECT line_no, byte_offset, rtrim(line) AS line FROM log_lines)
)
