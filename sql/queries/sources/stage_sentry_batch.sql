-- Parse one batch of Sentry event JSON ONCE, after scrubbing, and classify every record.
-- Types of the top-level fields come from one json_type call (one cheap
-- parse); the record is then transformed once into the declared structure (exception chain and frames
-- included). Output: temp table _hs_ev (one row per record; reason NULL = loadable).
-- The raw text is scrubbed FIRST, in the innermost subquery, before anything is parsed or stored; the
-- input is the registered Arrow table _hs_staged(rid, line_no, byte_offset, raw, origin, log_record_id)
-- of the scratch DB, variable hs_deep = rids nesting too deep (sentry._deep_rids); {scrub_raw} is
-- generated from models/sources/scrub.py SCRUB_RULES. One query (no temp table between scrub and parse): DuckDB scans Arrow in parallel by record batch, while a
-- small temp table (one row group) would be scanned by one thread.
CREATE OR REPLACE TEMP TABLE _hs_ev AS
WITH checked AS (
    SELECT *,
        NOT deep AND json_valid(raw) AS valid,
        CASE WHEN NOT deep AND json_valid(raw) AND json_type(raw) = 'OBJECT' THEN json_type(raw, [
            '$.event_id', '$.timestamp', '$.level', '$.platform', '$.release', '$.environment', '$.server_name',
            '$.transaction', '$.logger', '$.message', '$.logentry', '$.tags', '$.extra', '$.contexts',
            '$.breadcrumbs', '$.sdk', '$.fingerprint', '$.exception', '$.stacktrace', '$.threads', '$.received'])
        END AS t
    FROM (
        SELECT rid, line_no, byte_offset, origin, log_record_id,
            list_contains(getvariable('hs_deep'), rid) AS deep, {scrub_raw} AS raw
        FROM _hs_staged
    ) AS scrubbed
),
parsed AS (
    SELECT *,
        CASE WHEN t IS NOT NULL THEN from_json(raw, '{{
            "event_id": "VARCHAR", "timestamp": "VARCHAR", "received": "VARCHAR", "level": "VARCHAR",
            "platform": "VARCHAR", "release": "VARCHAR", "environment": "VARCHAR", "server_name": "VARCHAR",
            "transaction": "VARCHAR", "logger": "VARCHAR", "message": "JSON",
            "logentry": {{"message": "VARCHAR", "formatted": "VARCHAR"}},
            "tags": "JSON", "extra": "JSON", "contexts": "JSON", "breadcrumbs": "JSON",
            "sdk": {{"name": "VARCHAR", "version": "VARCHAR"}}, "fingerprint": ["VARCHAR"],
            "exception": {{"values": [{exception_struct}]}}
        }}') END AS j
    FROM checked
),
typed AS (
    SELECT *,
        concat_ws(', ',
            CASE WHEN t[1] <> 'VARCHAR' OR NOT regexp_full_match(j.event_id,
                    '[0-9a-fA-F]{{8}}-?[0-9a-fA-F]{{4}}-?[0-9a-fA-F]{{4}}-?[0-9a-fA-F]{{4}}-?[0-9a-fA-F]{{12}}')
                 THEN 'event_id is not a 32-hex id' END,
            CASE WHEN t[2] NOT IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE') THEN 'timestamp is ' || t[2] END,
            CASE WHEN t[3] <> 'VARCHAR' THEN 'level is ' || t[3] END,
            CASE WHEN t[4] <> 'VARCHAR' THEN 'platform is ' || t[4] END,
            CASE WHEN t[5] <> 'VARCHAR' THEN 'release is ' || t[5] END,
            CASE WHEN t[6] <> 'VARCHAR' THEN 'environment is ' || t[6] END,
            CASE WHEN t[7] <> 'VARCHAR' THEN 'server_name is ' || t[7] END,
            CASE WHEN t[8] <> 'VARCHAR' THEN 'transaction is ' || t[8] END,
            CASE WHEN t[9] <> 'VARCHAR' THEN 'logger is ' || t[9] END,
            CASE WHEN t[10] NOT IN ('VARCHAR', 'OBJECT') THEN 'message is ' || t[10] END,
            CASE WHEN t[11] <> 'OBJECT' THEN 'logentry is ' || t[11] END,
            CASE WHEN t[12] NOT IN ('OBJECT', 'ARRAY') THEN 'tags is ' || t[12] END,
            CASE WHEN t[13] <> 'OBJECT' THEN 'extra is ' || t[13] END,
            CASE WHEN t[14] <> 'OBJECT' THEN 'contexts is ' || t[14] END,
            CASE WHEN t[15] NOT IN ('OBJECT', 'ARRAY') THEN 'breadcrumbs is ' || t[15] END,
            CASE WHEN t[16] <> 'OBJECT' THEN 'sdk is ' || t[16] END,
            CASE WHEN t[17] <> 'ARRAY' THEN 'fingerprint is ' || t[17] END,
            CASE WHEN t[18] NOT IN ('OBJECT', 'ARRAY') THEN 'exception is ' || t[18] END
        ) AS type_errors,
        CASE WHEN t[2] = 'VARCHAR' THEN coalesce(
                to_timestamp(try_cast(j.timestamp AS DOUBLE)) AT TIME ZONE 'UTC',
                try_cast(j.timestamp AS TIMESTAMPTZ) AT TIME ZONE 'UTC')
            WHEN t[2] IN ('DOUBLE', 'BIGINT', 'UBIGINT') THEN to_timestamp(CAST(j.timestamp AS DOUBLE)) AT TIME ZONE 'UTC'
        END AS ts_parsed
    FROM parsed
)
SELECT
    rid, line_no, byte_offset, origin, log_record_id,
    CASE
        WHEN deep THEN 'too_deep'
        WHEN NOT valid THEN 'malformed_json'
        WHEN t IS NULL THEN 'not_an_object'
        WHEN type_errors <> '' THEN 'wrong_type'
        WHEN t[2] IS NOT NULL AND ts_parsed IS NULL THEN 'wrong_type'
        WHEN t[18] IS NULL AND t[10] IS NULL AND t[11] IS NULL AND t[19] IS NULL AND t[20] IS NULL THEN 'missing_field'
    END AS reason,
    CASE
        WHEN deep THEN 'JSON nesting deeper than the limit'
        WHEN NOT valid THEN 'not valid JSON'
        WHEN t IS NULL THEN 'the record is not a JSON object'
        WHEN type_errors <> '' THEN type_errors
        WHEN t[2] IS NOT NULL AND ts_parsed IS NULL THEN 'timestamp is not a date: ' || left(j.timestamp, 60)
        ELSE 'an error event needs exception, message, logentry, stacktrace or threads'
    END AS detail,
    left(raw, 200) AS excerpt,
    CASE WHEN t[1] = 'VARCHAR' THEN lower(replace(j.event_id, '-', '')) ELSE md5(raw) END AS event_id,
    coalesce(ts_parsed,
        to_timestamp(try_cast(j.received AS DOUBLE)) AT TIME ZONE 'UTC',
        try_cast(j.received AS TIMESTAMPTZ) AT TIME ZONE 'UTC',
        CAST(now() AT TIME ZONE 'UTC' AS TIMESTAMP)) AS ts,
    t[10] AS message_type,
    t[12] AS tags_type,
    CASE WHEN t[18] = 'ARRAY' THEN from_json(json_extract(raw, '$.exception'), '[{exception_struct}]')
         ELSE j.exception.values END AS exc_values,
    j
FROM typed
