-- JSON-lines logs, step 2: the good lines of log_json as records (their text was scrubbed in step 1, as a
-- whole line, before any field was read). record_id = md5(line + occurrence index among identical lines of the file, earlier chunks
-- counted through log_seen).
CREATE OR REPLACE TEMP TABLE log_staged AS
SELECT md5(rtrim(line) || chr(31) || CAST(occurrence AS VARCHAR)) AS record_id,
       h,
       line_no,
       byte_offset,
       1 AS line_count,
       ts,
       level,
       logger,
       message,
       exception_text,
       trace_id,
       CAST(attributes_text AS JSON) AS attributes,
       service_field,
       release,
       environment
FROM (
    SELECT j.*, hash(rtrim(j.line)) AS h,
           row_number() OVER (PARTITION BY hash(rtrim(j.line)), rtrim(j.line) ORDER BY j.line_no) - 1 + coalesce(s.n, 0) AS occurrence
    FROM log_json j
    LEFT JOIN log_seen s ON s.h = hash(rtrim(j.line))
    WHERE j.problem IS NULL
)
