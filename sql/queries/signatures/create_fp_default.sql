-- The default grouping of each event: the app variant when it has contributing values, else the
-- system variant; events without exceptions group by their first two message lines, parameterized.
CREATE OR REPLACE TEMP TABLE fp_default AS
WITH per_event AS (
    SELECT s.event_id,
           list_sort(list(struct_pack(o := s.ord, a := x.app_vals, s := x.sys_vals))) AS xs,
           any_value(x.value_v) FILTER (WHERE x.is_main) AS main_value_v
    FROM fp_selection AS s JOIN fp_exceptions AS x USING (event_id, exception_index)
    GROUP BY s.event_id
), joined AS (
    SELECT event_id, main_value_v,
           nullif(array_to_string(list_filter(list_transform(xs, lambda x: x.a), lambda v: v IS NOT NULL), chr(31)), '') AS app_vals,
           nullif(array_to_string(list_filter(list_transform(xs, lambda x: x.s), lambda v: v IS NOT NULL), chr(31)), '') AS sys_vals
    FROM per_event
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
LEFT JOIN joined AS p USING (event_id)
LEFT JOIN msg AS m USING (event_id)
