-- The new events of the batch. Everything comes from the scrubbed, parsed record (_hs_ev.j); the host
-- name is kept only as an md5 prefix and removed from the tags; `modules`, `user`, `request` are not kept.
-- Params: file_id, ingested_at.
INSERT INTO core.events (event_id, origin, platform, level, ts, release, environment, service, server_hash,
    transaction_name, logger, message, exception_type, exception_value, trace_id, span_id, sdk_fingerprint,
    tags, extra, contexts, breadcrumbs, sdk_name, sdk_version, log_record_id, file_id, line_no, ingested_at)
WITH ev AS (
    SELECT n.event_id, e.*,
        CASE e.tags_type
            WHEN 'ARRAY' THEN list_filter(from_json(e.j.tags, '[["VARCHAR"]]'), lambda p: len(p) = 2)
        END AS tag_pairs
    FROM _hs_ev AS e JOIN _hs_new AS n USING (rid, event_id)
)
SELECT ev.event_id,
    coalesce(ev.origin, 'sentry'),
    ev.j.platform,
    ev.j.level,
    ev.ts,
    ev.j.release,
    ev.j.environment,
    coalesce(ev.j.tags ->> '$.service', list_filter(tag_pairs, lambda p: p[1] = 'service')[1][2]),
    left(md5(coalesce(ev.j.server_name, ev.j.tags ->> '$.server_name',
        list_filter(tag_pairs, lambda p: p[1] = 'server_name')[1][2])), 12),
    ev.j.transaction,
    ev.j.logger,
    coalesce(ev.j.logentry.formatted, ev.j.logentry.message,
        CASE ev.message_type WHEN 'VARCHAR' THEN ev.j.message ->> '$'
            ELSE coalesce(ev.j.message ->> '$.formatted', ev.j.message ->> '$.message') END),
    x.x.type,
    x.x.value,
    ev.j.contexts ->> '$.trace.trace_id',
    ev.j.contexts ->> '$.trace.span_id',
    ev.j.fingerprint,
    CASE ev.tags_type
        WHEN 'OBJECT' THEN json_remove(ev.j.tags, '$.server_name')
        WHEN 'ARRAY' THEN to_json(list_filter(tag_pairs, lambda p: p[1] <> 'server_name'))
    END,
    ev.j.extra,
    ev.j.contexts,
    ev.j.breadcrumbs,
    ev.j.sdk.name,
    ev.j.sdk.version,
    ev.log_record_id,
    ?, ev.line_no, ?
FROM ev
LEFT JOIN _hs_exc AS x ON x.event_id = ev.event_id AND x.exception_index = x.n_exceptions - 1
