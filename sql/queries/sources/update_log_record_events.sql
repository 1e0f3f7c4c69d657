-- Link log records to the error events made from their tracebacks (temp table log_events: record_id, event_id;
-- only events that exist in core.events).
UPDATE core.log_records AS r SET event_id = e.event_id
FROM log_events e
WHERE r.record_id = e.record_id AND e.event_id IN (SELECT event_id FROM core.events)
