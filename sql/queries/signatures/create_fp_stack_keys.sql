-- Per exception with frames: the keys (`fp_frames_base.vkey`) of its contributing frames, in order,
-- for the system and the app variant. {matches}: the stack-trace rule matchers, {app} / {grp}: the flag
-- expressions generated from them. Recursion: a frame equal to the previous one (path, package, module,
-- filename, function, lineno, colno) is skipped. Only integers are aggregated here (fast); frames are
-- collected without ORDER BY and sorted per row with list_sort.
CREATE OR REPLACE TEMP TABLE fp_stack_keys AS
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
    -- frames without values still count for recursion; their NULL values are skipped by string_agg later
    SELECT event_id, exception_index, count(*) AS n_frames,
           list_sort(list(struct_pack(i := frame_index, v := vkey, r := rkey, g := grp, a := app))) AS frames
    FROM flagged
    GROUP BY event_id, exception_index
), contributing AS (
    SELECT event_id, exception_index, n_frames,
           list_filter(frames, lambda x, i: x.g AND (i = 1 OR frames[i - 1].r <> x.r)) AS c
    FROM per_exception
)
SELECT event_id, exception_index, n_frames,
       list_transform(c, lambda x: x.v) AS sys_keys,
       list_transform(list_filter(c, lambda x: x.a), lambda x: x.v) AS app_keys
FROM contributing
