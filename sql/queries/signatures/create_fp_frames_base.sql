-- The distinct frames of the events to fingerprint (frames repeat massively: the same bug, the same
-- stack), keyed by `vkey`, with the values a frame contributes (Sentry newstyle): module, else the
-- lower-cased basename of the file; function; the whitespace-collapsed context line (python only, and
-- only when <= 120 chars). Line numbers are never part of the values. `fv` joins the values with
-- chr(31), the separator of every value list here (values never contain it).
CREATE OR REPLACE TEMP TABLE fp_frames_base AS
WITH d AS (
    SELECT DISTINCT t.platform, f.module, f.function, f.filename, f.abs_path, f.context_line
    FROM core.frames AS f
    JOIN fp_todo AS t USING (event_id)
), v AS (
    SELECT hash(platform, module, function, filename, abs_path, context_line) AS vkey,
           nullif(replace(module, chr(31), ' '), '') AS module_v,
           nullif(replace(function, chr(31), ' '), '') AS function_v,
           CASE WHEN nullif(module, '') IS NULL
                THEN nullif(lower(regexp_extract(replace(coalesce(nullif(filename, ''), abs_path, ''), '\', '/'), '([^/]*)$', 1)), '')
           END AS filename_v,
           CASE WHEN platform = 'python' AND context_line IS NOT NULL
                THEN regexp_replace(trim(replace(context_line, chr(31), ' ')), '\s+', ' ', 'g') END AS context_c
    FROM d
)
SELECT vkey,
       nullif(concat_ws(chr(31), coalesce(module_v, filename_v), function_v,
                        CASE WHEN length(context_c) BETWEEN 1 AND 120 THEN context_c END), '') AS fv
FROM v
