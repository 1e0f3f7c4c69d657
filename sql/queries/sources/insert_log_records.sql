-- Staged log records (temp table log_staged) -> core.log_records, skipping record ids already stored
-- (an anti-join: cheaper than letting the primary key reject them with INSERT OR IGNORE). The
-- statement's row count is the number of new records.
-- Params: $1 format ('jsonl' | 'text'), $2 service given by the caller (used when the record names none),
-- $3 file_id, $4 ingested_at.
INSERT INTO core.log_records (record_id, format, ts, level, logger, service, message, exception_text,
                              trace_id, attributes, event_id, file_id, line_no, line_count, ingested_at)
SELECT record_id, $1, ts, level, logger, coalesce(service_field, $2), message, exception_text,
       trace_id, attributes, NULL, $3, line_no, line_count, $4
FROM log_staged s
WHERE NOT EXISTS (SELECT 1 FROM core.log_records r WHERE r.record_id = s.record_id)
