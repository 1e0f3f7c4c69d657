-- Log records of this file ($2 = file_id; a file is loaded once, so these are the new ones) that carry
-- a Python traceback, or an exception named by OpenTelemetry attributes (`exception.type`, from
-- `hindsight serve`'s OTLP lines or any OTel-shaped JSON log): the only records that go through Python,
-- to become Sentry-shaped error events. `span_id` and the OTel exception fields come from attributes.
-- Params: $1 service given by the caller, $2 file_id.
SELECT s.record_id, s.line_no, s.byte_offset, s.exception_text,
       strftime(s.ts, '%Y-%m-%dT%H:%M:%S.%fZ') AS ts, s.level, s.logger, s.message,
       coalesce(s.service_field, $1) AS service, s.release, s.environment, s.trace_id,
       coalesce(s.attributes ->> '$.span_id', s.attributes ->> '$.spanId') AS span_id,
       s.attributes ->> '$."exception.type"' AS exception_type,
       s.attributes ->> '$."exception.message"' AS exception_value
FROM log_staged s
WHERE (s.exception_text LIKE '%Traceback (most recent call last):%'
       OR (strpos(CAST(s.attributes AS VARCHAR), 'exception.type') > 0
           AND s.attributes ->> '$."exception.type"' IS NOT NULL))
  AND EXISTS (SELECT 1 FROM core.log_records r WHERE r.record_id = s.record_id AND r.file_id = $2)
ORDER BY s.line_no
