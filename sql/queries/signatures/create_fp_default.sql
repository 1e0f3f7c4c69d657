-- The default grouping of each event: the app variant when it has contributing values, else the
-- system variant; events without exceptions group by their first two message lines, parameterized.
-- Most events have one selected exception: only chains are aggregated (large strings aggregate slowly).
CREATE OR REPLACE TEMP TABLE fp_default AS
WITH counts AS (
    SELECT event_id, count(*) AS n FROM fp_selection GROUP BY event_id
), sel AS (
    SELECT s.event_id, s.ord, c.n, x.app_vals, x.sys_vals, x.is_main, x.value_v
    FROM fp_selection AS s
    JOIN counts AS c USING (event_id)
    JOIN fp_exceptions AS x USING (event_id, exception_index)
), multi AS (
    SELECT event_id,
           list_sort(list(struct_pack(o := ord, a := app_vals, s := sys_vals))) AS xs,
           any_value(value_v) FILTER (WHERE is_main) AS main_value_v
    FROM sel WHERE n > 1
    GROUP BY event_id
), per_event AS (
    SELECT event_id, app_vals, sys_vals, CASE WHEN is_main THEN value_v END AS main_value_v FROM sel WHERE n = 1
    UNION ALL
    SELECT event_id,
           nullif(array_to_string(list_filter(list_transform(xs, lambda x: x.a), lambda v: v IS NOT NULL), chr(31)), ''),
           nullif(array_to_string(list_filter(list_transform(xs, lambda x: x.s), lambda v: v IS NOT NULL), chr(31)), ''),
           main_value_v
    FROM multi
), msg AS (
    SELECT event_id,
           CASE WHEN nullif(trim(message), '') IS NOT NULL
                THEN nullif(replace(hs_parameterize(hs_first_two_lines(message)), chr(31), ' '), '') END AS message_v
    FROM fp_todo
)
SELECT t.event_id, p.main_value_v, m.message_v,
       CASE WHEN p.app_vals IS NOT NULL THEN 'app'
            WHEN p.sys_vals IS NOT NULL THEN 'system'
            WHEN m.message_v IS NOT NULL THEN 'message'
            ELSE 'fallback' END AS variant,
       coalesce(p.app_vals, p.sys_vals, m.message_v, '') AS vals
FROM fp_todo AS t
LEFT JOIN per_event AS p USING (event_id)
LEFT JOIN msg AS m USING (event_id)
