-- Log records of this file ($2 = file_id; a file is loaded once, so these are the new ones) that carry
-- a Python traceback: the only records that go through Python, to become Sentry-shaped error events.
-- Params: $1 service given by the caller, $2 file_id.
SELECT s.record_id, s.line_no, s.byte_offset, s.exception_text,
       strftime(s.ts, '%Y-%m-%dT%H:%M:%S.%fZ') AS ts, s.level, s.logger, s.message,
       coalesce(s.service_field, $1) AS service, s.release, s.environment, s.trace_id
FROM log_staged s
WHERE s.exception_text LIKE '%Traceback (most recent call last):%'
  AND EXISTS (SELECT 1 FROM core.log_records r WHERE r.record_id = s.record_id AND r.file_id = $2)
ORDER BY s.line_no
