-- core.events rows of the batch's (in-batch deduped) loadable events, built in the scratch DB. Everything
-- comes from the scrubbed, parsed record (_hs_ev.j); the host name is kept only as an md5 prefix and removed
-- from the tags; `modules`, `user`, `request` are not kept. Params: file_id, ingested_at.
WITH ev AS (
    SELECT n.event_id, e.*,
        CASE e.tags_type
            WHEN 'ARRAY' THEN list_filter(from_json(e.j.tags, '[["VARCHAR"]]'), lambda p: len(p) = 2)
        END AS tag_pairs
    FROM _hs_ev AS e JOIN _hs_new AS n USING (rid, event_id)
)
SELECT ev.event_id AS event_id,
    coalesce(ev.origin, 'sentry') AS origin,
    ev.j.platform AS platform,
    ev.j.level AS level,
    ev.ts AS ts,
    ev.j.release AS release,
    ev.j.environment AS environment,
    coalesce(ev.j.tags ->> '$.service', list_filter(tag_pairs, lambda p: p[1] = 'service')[1][2]) AS service,
    left(md5(coalesce(ev.j.server_name, ev.j.tags ->> '$.server_name',
        list_filter(tag_pairs, lambda p: p[1] = 'server_name')[1][2])), 12) AS server_hash,
    ev.j.transaction AS transaction_name,
    ev.j.logger AS logger,
    coalesce(ev.j.logentry.formatted, ev.j.logentry.message,
        CASE ev.message_type WHEN 'VARCHAR' THEN ev.j.message ->> '$'
            ELSE coalesce(ev.j.message ->> '$.formatted', ev.j.message ->> '$.message') END) AS message,
    x.x.type AS exception_type,
    x.x.value AS exception_value,
    ev.j.contexts ->> '$.trace.trace_id' AS trace_id,
    ev.j.contexts ->> '$.trace.span_id' AS span_id,
    ev.j.fingerprint AS sdk_fingerprint,
    CAST(CASE ev.tags_type
        WHEN 'OBJECT' THEN json_remove(ev.j.tags, '$.server_name')
        WHEN 'ARRAY' THEN to_json(list_filter(tag_pairs, lambda p: p[1] <> 'server_name'))
    END AS VARCHAR) AS tags,
    CAST(ev.j.extra AS VARCHAR) AS extra,
    CAST(ev.j.contexts AS VARCHAR) AS contexts,
    CAST(ev.j.breadcrumbs AS VARCHAR) AS breadcrumbs,
    ev.j.sdk.name AS sdk_name,
    ev.j.sdk.version AS sdk_version,
    ev.log_record_id AS log_record_id,
    CAST(? AS VARCHAR) AS file_id,
    ev.line_no AS line_no,
    CAST(? AS TIMESTAMP) AS ingested_at
FROM ev
LEFT JOIN _hs_exc AS x ON x.event_id = ev.event_id AND x.exception_index = x.n_exceptions - 1
