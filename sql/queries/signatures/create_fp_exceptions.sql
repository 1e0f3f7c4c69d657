-- Per exception: the contributing values of the system and app variants, in tree order (frames
-- outermost first, then the type; the parameterized value only when no frame contributes).
-- {matches}: the stack-trace rule matchers, {app} / {grp}: the flag expressions generated from them.
-- Recursion: a frame equal to the previous one (path, package, module, filename, function, lineno,
-- colno) is skipped. An exception with frames but no in-app contributing frame does not contribute to
-- the app variant. Frames are aggregated without ORDER BY and sorted per row with list_sort (much
-- faster than ordered aggregates); one statement, so the per-frame rows are never materialised.
CREATE OR REPLACE TEMP TABLE fp_exceptions AS
WITH raw AS (
    SELECT f.event_id, f.exception_index, f.frame_index, f.in_app, f.package, f.module, f.function,
           f.abs_path, f.filename,
           CASE WHEN t.platform IN ('cocoa', 'native', 'c', 'objc', 'swift') THEN 'native'
                ELSE coalesce(t.platform, 'other') END AS family,
           hash(t.platform, f.module, f.function, f.filename, f.abs_path, f.context_line) AS vkey,
           hash(f.abs_path, f.package, f.module, f.filename, f.function, f.lineno, f.colno) AS rkey
    FROM core.frames AS f
    JOIN fp_todo AS t USING (event_id)
), matched AS (
    SELECT raw.*{matches} FROM raw
), flagged AS (
    SELECT event_id, exception_index, frame_index, vkey, rkey, ({grp}) AS grp, ({app}) AS app FROM matched
), per_exception AS (
    SELECT f.event_id, f.exception_index, count(*) AS n_frames,
           list_sort(list(struct_pack(i := f.frame_index, v := b.fv, r := f.rkey, g := f.grp, a := f.app))) AS frames
    FROM flagged AS f
    JOIN fp_frames_base AS b USING (vkey)
    GROUP BY f.event_id, f.exception_index
), contributing AS (
    SELECT event_id, exception_index, n_frames,
           list_filter(frames, lambda x, i: x.g AND x.v IS NOT NULL AND (i = 1 OR frames[i - 1].r <> x.r)) AS c
    FROM per_exception
), stack AS (
    SELECT event_id, exception_index, n_frames,
           nullif(array_to_string(list_transform(c, lambda x: x.v), chr(31)), '') AS sys_frames,
           nullif(array_to_string(list_transform(list_filter(c, lambda x: x.a), lambda x: x.v), chr(31)), '') AS app_frames
    FROM contributing
), x AS (
    SELECT x.event_id, x.exception_index, x.is_main, x.type, x.value, x.exception_id, x.parent_id,
           nullif(replace(x.type, chr(31), ' '), '') AS type_v,
           coalesce(s.n_frames, 0) AS n_frames, s.sys_frames, s.app_frames
    FROM core.exceptions AS x
    JOIN fp_todo USING (event_id)
    LEFT JOIN stack AS s USING (event_id, exception_index)
), p AS (
    SELECT *, nullif(replace(hs_parameterize(value), chr(31), ' '), '') AS value_v FROM x
)
SELECT event_id, exception_index, is_main, type, exception_id, parent_id, value_v,
       nullif(CASE WHEN sys_frames IS NOT NULL THEN concat_ws(chr(31), sys_frames, type_v)
                   ELSE concat_ws(chr(31), type_v, value_v) END, '') AS sys_vals,
       CASE WHEN app_frames IS NOT NULL THEN concat_ws(chr(31), app_frames, type_v)
            WHEN n_frames > 0 THEN NULL
            ELSE nullif(concat_ws(chr(31), type_v, value_v), '') END AS app_vals
FROM p
