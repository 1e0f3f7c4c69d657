-- Stable analyst views of the sources stage (schema main). Column reference: sql/reference/10_sources.md.
CREATE OR REPLACE VIEW events AS
SELECT event_id, origin, ts, level, platform, release, environment, service, server_hash, transaction_name,
    logger, message, exception_type, exception_value, trace_id, span_id, sdk_fingerprint, tags, extra,
    contexts, breadcrumbs, sdk_name, sdk_version, log_record_id, file_id, line_no, ingested_at
FROM core.events;

CREATE OR REPLACE VIEW exceptions AS
SELECT x.event_id, x.exception_index, x.is_main, x.type, x.value, x.module, x.mechanism_type, x.handled,
    x.exception_id, x.parent_id, e.ts, e.service, e.release
FROM core.exceptions AS x JOIN core.events AS e USING (event_id);

CREATE OR REPLACE VIEW frames AS
SELECT f.event_id, f.exception_index, f.frame_index, f.is_innermost, x.is_main AS in_main_exception,
    f.filename, f.abs_path, f.module, f.function, f.lineno, f.colno, f.context_line, f.pre_context,
    f.post_context, f.in_app, f.package, f.vars
FROM core.frames AS f
JOIN core.exceptions AS x USING (event_id, exception_index);

CREATE OR REPLACE VIEW thread_frames AS
SELECT event_id, thread_index, thread_id, thread_name, crashed, current, frame_index, is_innermost, filename,
    abs_path, module, function, lineno, colno, context_line, pre_context, post_context, in_app, package, vars
FROM core.thread_frames;

CREATE OR REPLACE VIEW log_records AS
SELECT record_id, format, ts, level, logger, service, message, exception_text, trace_id, attributes, event_id,
    file_id, line_no, line_count, ingested_at
FROM core.log_records;

CREATE OR REPLACE VIEW incidents AS
SELECT incident_id, title, severity, severity_rank, status, started_at, resolved_at,
    date_diff('minute', started_at, resolved_at) AS duration_minutes, services, summary, trace_ids,
    error_messages, fingerprints, url, attributes, file_id, line_no, ingested_at
FROM core.incidents;

CREATE OR REPLACE VIEW ingest_files AS
SELECT file_id, source, format, path, size_bytes, records_read, records_loaded, records_duplicate,
    records_ignored, records_quarantined, ignored_detail, started_at, finished_at,
    date_diff('millisecond', started_at, finished_at) / 1000.0 AS seconds
FROM core.ingest_files;

CREATE OR REPLACE VIEW quarantine AS
SELECT file_id, path, source, line_no, byte_offset, reason, detail, excerpt, quarantined_at
FROM core.quarantine;
