-- JSON-lines logs, step 2: the good lines of log_json as records, text scrubbed (placeholders generated
-- from the scrub rules). record_id = md5(line + occurrence index among identical lines of the file, earlier chunks
-- counted through log_seen).
CREATE OR REPLACE TEMP TABLE log_staged AS
SELECT md5(rtrim(line) || chr(31) || CAST(occurrence AS VARCHAR)) AS record_id,
       h,
       line_no,
       byte_offset,
       1 AS line_count,
       ts,
       level,
       {scrub_logger} AS logger,
       {scrub_message} AS message,
       {scrub_exception} AS exception_text,
       trace_id,
       CAST({scrub_attributes} AS JSON) AS attributes,
       {scrub_service} AS service_field,
       {scrub_release} AS release,
       {scrub_environment} AS environment
FROM (
    SELECT j.*, hash(rtrim(j.line)) AS h,
           row_number() OVER (PARTITION BY hash(rtrim(j.line)), rtrim(j.line) ORDER BY j.line_no) - 1 + coalesce(s.n, 0) AS occurrence
    FROM log_json j
    LEFT JOIN log_seen s ON s.h = hash(rtrim(j.line))
    WHERE j.problem IS NULL
)
