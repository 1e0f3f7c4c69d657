-- One batch of Sentry event JSON -> one row per record, in ONE query of the scratch DB (sentry.py).
-- The raw text is scrubbed FIRST, in the innermost subquery, before anything is parsed; then each record
-- is parsed twice, no more: one json_type call gives the type of the document and of its top-level fields
-- (NULL when it is not valid JSON: `try`), and from_json parses it into the declared structure. The
-- result goes to Arrow as is: loadable rows carry the core.events columns plus `exc_values` (or `exc_list`), the
-- exception chain with its frames, which sentry.py flattens into core.exceptions / core.frames rows with
-- Arrow compute (and `stack_frames`, `threads` into core.thread_frames) (no unnest, no temp table:
-- materialising nested structs in DuckDB cost more than everything else). Rejected rows carry reason,
-- detail and excerpt.
-- Input: registered Arrow table _hs_staged(rid, line_no, byte_offset, raw, brackets, origin, log_record_id);
-- `brackets` = number of `{{` and `[`, an upper bound of the nesting depth: only records with more than
-- the limit get the exact check (a regex, sentry.depth_at_most_pattern). {{canonical_raw}}, {{find_raw}} and
-- {{scrub_raw}} are generated from models/sources/scrub.py: the raw text with its `\u` escapes written out,
-- its secrets found (one regex pass), then replaced as ONE record (a secret found in any field is replaced
-- in every field); params: file_id, ingested_at. The host name is kept only as an md5 prefix and
-- removed from the tags; `modules`, `user`, `request` are not kept.
WITH checked AS (
    SELECT *,
        -- t[1] is the document's type, t[2..] its top-level fields'; NULL: not valid JSON
        CASE WHEN NOT deep THEN try(json_type(raw, [
            '$', '$.event_id', '$.timestamp', '$.level', '$.platform', '$.release', '$.environment',
            '$.server_name', '$.transaction', '$.logger', '$.message', '$.logentry', '$.tags', '$.extra',
            '$.contexts', '$.breadcrumbs', '$.sdk', '$.fingerprint', '$.exception', '$.stacktrace', '$.threads',
            '$.received', '$.entries']))
        END AS t
    FROM (
        SELECT *,
            -- CASE, not AND: a projection evaluates every operand of an AND, CASE only the rows it selects
            CASE WHEN brackets > {max_depth} THEN json_valid(raw) AND NOT regexp_full_match(raw, {depth_ok})
                ELSE false END AS deep
        FROM (
            SELECT rid, line_no, byte_offset, origin, log_record_id, brackets, {scrub_raw} AS raw
            FROM (
                SELECT *, {find_raw} AS _hs_found
                FROM (
                    SELECT rid, line_no, byte_offset, origin, log_record_id, brackets, {canonical_raw} AS raw
                    FROM _hs_staged
                ) AS canonical
            ) AS found
        ) AS scrubbed
    ) AS depth_checked
),
parsed AS (
    SELECT *,
        CASE WHEN t[1] = 'OBJECT' THEN from_json(raw, '{{
            "event_id": "VARCHAR", "timestamp": "VARCHAR", "received": "VARCHAR", "level": "VARCHAR",
            "platform": "VARCHAR", "release": "VARCHAR", "environment": "VARCHAR", "server_name": "VARCHAR",
            "transaction": "VARCHAR", "logger": "VARCHAR", "message": "JSON",
            "logentry": {{"message": "VARCHAR", "formatted": "VARCHAR"}},
            "tags": "JSON", "extra": "JSON", "contexts": "JSON", "breadcrumbs": "JSON",
            "sdk": {{"name": "VARCHAR", "version": "VARCHAR"}}, "fingerprint": ["VARCHAR"],
            "exception": {{"values": [{exception_struct}]}},
            "stacktrace": {{"frames": [{frame_struct}]}}, "threads": {{"values": [{thread_struct}]}},
            "checksum": "VARCHAR"
        }}') END AS j
    FROM checked
),
typed AS (
    SELECT *,
        concat_ws(', ',
            CASE WHEN t[2] <> 'VARCHAR' OR NOT regexp_full_match(j.event_id,
                    '[0-9a-fA-F]{{8}}-?[0-9a-fA-F]{{4}}-?[0-9a-fA-F]{{4}}-?[0-9a-fA-F]{{4}}-?[0-9a-fA-F]{{12}}')
                 THEN 'event_id is not a 32-hex id' END,
            CASE WHEN t[3] NOT IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE') THEN 'timestamp is ' || t[3] END,
            CASE WHEN t[4] <> 'VARCHAR' THEN 'level is ' || t[4] END,
            CASE WHEN t[5] <> 'VARCHAR' THEN 'platform is ' || t[5] END,
            CASE WHEN t[6] <> 'VARCHAR' THEN 'release is ' || t[6] END,
            CASE WHEN t[7] <> 'VARCHAR' THEN 'environment is ' || t[7] END,
            CASE WHEN t[8] <> 'VARCHAR' THEN 'server_name is ' || t[8] END,
            CASE WHEN t[9] <> 'VARCHAR' THEN 'transaction is ' || t[9] END,
            CASE WHEN t[10] <> 'VARCHAR' THEN 'logger is ' || t[10] END,
            CASE WHEN t[11] NOT IN ('VARCHAR', 'OBJECT') THEN 'message is ' || t[11] END,
            CASE WHEN t[12] <> 'OBJECT' THEN 'logentry is ' || t[12] END,
            CASE WHEN t[13] NOT IN ('OBJECT', 'ARRAY') THEN 'tags is ' || t[13] END,
            CASE WHEN t[14] <> 'OBJECT' THEN 'extra is ' || t[14] END,
            CASE WHEN t[15] <> 'OBJECT' THEN 'contexts is ' || t[15] END,
            CASE WHEN t[16] NOT IN ('OBJECT', 'ARRAY') THEN 'breadcrumbs is ' || t[16] END,
            CASE WHEN t[17] <> 'OBJECT' THEN 'sdk is ' || t[17] END,
            CASE WHEN t[18] <> 'ARRAY' THEN 'fingerprint is ' || t[18] END,
            CASE WHEN t[19] NOT IN ('OBJECT', 'ARRAY') THEN 'exception is ' || t[19] END
        ) AS type_errors,
        coalesce(j.logentry.formatted, j.logentry.message,
            CASE t[11] WHEN 'VARCHAR' THEN j.message ->> '$'
                ELSE coalesce(j.message ->> '$.formatted', j.message ->> '$.message') END) AS message_text,
        CASE WHEN t[3] = 'VARCHAR' THEN coalesce(
                to_timestamp(try_cast(j.timestamp AS DOUBLE)) AT TIME ZONE 'UTC',
                try_cast(j.timestamp AS TIMESTAMPTZ) AT TIME ZONE 'UTC')
            WHEN t[3] IN ('DOUBLE', 'BIGINT', 'UBIGINT') THEN to_timestamp(try_cast(j.timestamp AS DOUBLE)) AT TIME ZONE 'UTC'
        END AS ts_parsed
    FROM parsed
),
classified AS (
    SELECT *,
        CASE
            WHEN deep THEN 'too_deep'
            WHEN t IS NULL THEN 'malformed_json'
            WHEN t[1] <> 'OBJECT' THEN 'not_an_object'
            WHEN t[23] = 'ARRAY' THEN 'rest_shape'  -- Sentry's REST API shape: rewritten by sentry_rest.py, then loaded
            WHEN type_errors <> '' THEN 'wrong_type'
            WHEN t[3] IS NOT NULL AND ts_parsed IS NULL THEN 'wrong_type'
            WHEN t[19] IS NULL AND t[11] IS NULL AND t[12] IS NULL AND t[20] IS NULL AND t[21] IS NULL THEN 'missing_field'
            -- the fields are there but say nothing: it would load as an empty event
            WHEN NOT (
                CASE WHEN t[19] = 'ARRAY' THEN coalesce(json_array_length(raw, '$.exception'), 0) > 0
                     -- one bare exception object (no `values`): a chain of one
                     WHEN t[19] = 'OBJECT' AND j.exception."values" IS NULL THEN
                          json_extract_string(raw, '$.exception.type') IS NOT NULL
                          OR json_extract_string(raw, '$.exception.value') IS NOT NULL
                          OR coalesce(json_array_length(raw, '$.exception.stacktrace.frames'), 0) > 0
                     ELSE coalesce(len(j.exception."values"), 0) > 0 AND (j.exception."values"[-1].type IS NOT NULL
                          OR j.exception."values"[-1].value IS NOT NULL
                          OR coalesce(len(j.exception."values"[-1].stacktrace.frames), 0) > 0) END
                OR coalesce(trim(message_text), '') <> ''
                OR coalesce(len(j.stacktrace.frames), 0) > 0
                OR coalesce(len(j.threads."values"), 0) > 0
            ) THEN 'empty_event'
        END AS reason
    FROM typed
),
loadable AS (
    SELECT *,
        CASE WHEN reason IS NULL AND t[13] = 'ARRAY'
            THEN list_filter(from_json(j.tags, '[["VARCHAR"]]'), lambda p: len(p) = 2) END AS tag_pairs,
        -- `exception` given as a bare list or a bare object (old SDKs): parsed apart, NULL in every other row. No CASE
        -- around the usual j.exception.values: CASE copies the nested lists it returns
        CASE WHEN reason IS NULL AND t[19] = 'ARRAY'
                THEN from_json(json_extract(raw, '$.exception'), '[{exception_struct}]')
            -- `exception` given as one bare exception object (no `values`): a chain of one, as Sentry reads it
            WHEN reason IS NULL AND t[19] = 'OBJECT' AND j.exception."values" IS NULL
                THEN [from_json(json_extract(raw, '$.exception'), '{exception_struct}')] END AS exc_list
    FROM classified
)
SELECT
    rid, line_no, byte_offset, reason,
    CASE
        WHEN deep THEN 'JSON nesting deeper than the limit'
        WHEN t IS NULL THEN 'not valid JSON'
        WHEN t[1] <> 'OBJECT' THEN 'the record is not a JSON object'
        WHEN type_errors <> '' THEN type_errors
        WHEN t[3] IS NOT NULL AND ts_parsed IS NULL THEN 'timestamp is not a date: ' || left(j.timestamp, 60)
        WHEN reason = 'missing_field' THEN 'an error event needs exception, message, logentry, stacktrace or threads'
        WHEN reason = 'empty_event' THEN 'no exception, message, log entry or stack: it would load as an empty event'
    END AS detail,
    CASE WHEN reason = 'rest_shape' THEN raw END AS rest_raw,
    CASE WHEN reason IS NOT NULL THEN left(trim(raw, ' ' || chr(9) || chr(13) || chr(10)), 200) END AS excerpt,
    CASE WHEN t[2] = 'VARCHAR' THEN lower(replace(j.event_id, '-', '')) ELSE md5(trim(raw, ' ' || chr(9) || chr(13) || chr(10))) END AS event_id,
    coalesce(origin, 'sentry') AS origin,
    j.platform AS platform,
    j.level AS level,
    coalesce(ts_parsed,
        to_timestamp(try_cast(j.received AS DOUBLE)) AT TIME ZONE 'UTC',
        try_cast(j.received AS TIMESTAMPTZ) AT TIME ZONE 'UTC',
        CAST(now() AT TIME ZONE 'UTC' AS TIMESTAMP)) AS ts,
    j.release AS release,
    j.environment AS environment,
    coalesce(j.tags ->> '$.service', list_filter(tag_pairs, lambda p: p[1] = 'service')[1][2]) AS service,
    left(md5(coalesce(j.server_name, j.tags ->> '$.server_name',
        list_filter(tag_pairs, lambda p: p[1] = 'server_name')[1][2])), 12) AS server_hash,
    j.transaction AS transaction_name,
    j.logger AS logger,
    message_text AS message,
    coalesce(j.exception."values"[-1].type, exc_list[-1].type) AS exception_type,
    coalesce(j.exception."values"[-1].value, exc_list[-1].value) AS exception_value,
    j.contexts ->> '$.trace.trace_id' AS trace_id,
    j.contexts ->> '$.trace.span_id' AS span_id,
    j.fingerprint AS sdk_fingerprint,
    j.checksum AS checksum,
    CAST(CASE t[13]
        WHEN 'OBJECT' THEN json_remove(j.tags, '$.server_name')
        WHEN 'ARRAY' THEN to_json(list_filter(tag_pairs, lambda p: p[1] <> 'server_name'))
    END AS VARCHAR) AS tags,
    CAST(j.extra AS VARCHAR) AS extra,
    CAST(j.contexts AS VARCHAR) AS contexts,
    CAST(j.breadcrumbs AS VARCHAR) AS breadcrumbs,
    j.sdk.name AS sdk_name,
    j.sdk.version AS sdk_version,
    log_record_id,
    CAST(? AS VARCHAR) AS file_id,
    CAST(? AS TIMESTAMP) AS ingested_at,
    -- nested lists for sentry.py to flatten (only rows without a reason are used)
    j.exception."values" AS exc_values,
    exc_list,
    j.stacktrace.frames AS stack_frames,
    j.threads."values" AS threads
FROM loadable
