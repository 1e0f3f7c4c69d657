-- Per exception: the contributing values of the system and app variants, in tree order (frames
-- outermost first, then the type; the parameterized value only when no frame contributes). An exception
-- with frames but no in-app contributing frame does not contribute to the app variant.
CREATE OR REPLACE TEMP TABLE fp_exceptions AS
WITH x AS (
    SELECT x.event_id, x.exception_index, x.is_main, x.type, x.value, x.exception_id, x.parent_id,
           count(*) OVER (PARTITION BY x.event_id) AS n_exc,
           nullif(replace(x.type, chr(31), ' '), '') AS type_v,
           coalesce(k.n_frames, 0) AS n_frames, sys.vals AS sys_frames, app.vals AS app_frames
    FROM core.exceptions AS x
    JOIN fp_todo USING (event_id)
    LEFT JOIN fp_stack_keys AS k USING (event_id, exception_index)
    LEFT JOIN fp_stacks AS sys ON sys.skey = hash(k.sys_keys)
    LEFT JOIN fp_stacks AS app ON app.skey = hash(k.app_keys)
), distinct_values AS (  -- parameterize each distinct value once (values repeat)
    SELECT value, nullif(replace(hs_parameterize(value), chr(31), ' '), '') AS value_v
    FROM (SELECT DISTINCT value FROM x WHERE value IS NOT NULL)
), p AS (
    SELECT x.*, d.value_v FROM x LEFT JOIN distinct_values AS d USING (value)
)
SELECT event_id, exception_index, is_main, type, exception_id, parent_id, value_v, n_exc,
       nullif(CASE WHEN sys_frames IS NOT NULL THEN concat_ws(chr(31), sys_frames, type_v)
                   ELSE concat_ws(chr(31), type_v, value_v) END, '') AS sys_vals,
       CASE WHEN app_frames IS NOT NULL THEN concat_ws(chr(31), app_frames, type_v)
            WHEN n_frames > 0 THEN NULL
            ELSE nullif(concat_ws(chr(31), type_v, value_v), '') END AS app_vals
FROM p
