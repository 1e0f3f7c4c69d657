-- The default grouping of each event: the app variant when it has contributing values, else the
-- system variant; events without exceptions group by their first two message lines, parameterized.
-- Most events have a single exception and are taken as they are; only chains are aggregated, and every
-- join has a small build side (large strings make 1M x 1M joins and aggregates slow).
CREATE OR REPLACE TEMP TABLE fp_default AS
WITH grouped AS (
    SELECT DISTINCT event_id FROM fp_selection
), ex AS (
    SELECT x.event_id, x.type, x.app_vals, x.sys_vals, x.is_main, x.value_v, x.n_exc,
           coalesce(s.ord, x.exception_index) AS ord, g.event_id IS NOT NULL AS in_group
    FROM fp_exceptions AS x
    LEFT JOIN fp_selection AS s USING (event_id, exception_index)
    LEFT JOIN grouped AS g USING (event_id)
    WHERE g.event_id IS NULL OR s.event_id IS NOT NULL
), multi AS (
    SELECT event_id,
           list_sort(list(struct_pack(o := ord, a := app_vals, s := sys_vals))) AS xs,
           any_value(type) FILTER (WHERE is_main) AS main_type,
           any_value(value_v) FILTER (WHERE is_main) AS main_value_v
    FROM ex WHERE n_exc > 1 OR in_group
    GROUP BY event_id
), per_event AS (
    SELECT event_id, app_vals, sys_vals, type AS main_type, value_v AS main_value_v
    FROM ex WHERE n_exc = 1 AND NOT in_group
    UNION ALL
    SELECT event_id,
           nullif(array_to_string(list_filter(list_transform(xs, lambda x: x.a), lambda v: v IS NOT NULL), chr(31)), ''),
           nullif(array_to_string(list_filter(list_transform(xs, lambda x: x.s), lambda v: v IS NOT NULL), chr(31)), ''),
           main_type, main_value_v
    FROM multi
), msg AS (
    SELECT event_id,
           CASE WHEN nullif(trim(message), '') IS NOT NULL
                THEN nullif(replace(hs_parameterize(hs_first_two_lines(message)), chr(31), ' '), '') END AS message_v
    FROM fp_todo AS t
    WHERE NOT EXISTS (SELECT 1 FROM fp_exceptions AS x WHERE x.event_id = t.event_id)
)
SELECT event_id, main_type, main_value_v, NULL::VARCHAR AS message_v,
       CASE WHEN app_vals IS NOT NULL THEN 'app' WHEN sys_vals IS NOT NULL THEN 'system' ELSE 'fallback' END AS variant,
       coalesce(app_vals, sys_vals, '') AS vals
FROM per_event
UNION ALL
SELECT event_id, NULL, NULL, message_v,
       CASE WHEN message_v IS NOT NULL THEN 'message' ELSE 'fallback' END,
       coalesce(message_v, '')
FROM msg
