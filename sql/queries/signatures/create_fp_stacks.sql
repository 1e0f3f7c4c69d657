-- The values of each distinct contributing frame sequence (few: the same bug has the same stack), so
-- strings are built once per distinct stack rather than once per event.
CREATE OR REPLACE TEMP TABLE fp_stacks AS
WITH k AS (
    SELECT DISTINCT keys
    FROM (SELECT sys_keys AS keys FROM fp_stack_keys UNION ALL SELECT app_keys FROM fp_stack_keys)
    WHERE len(keys) > 0
), u AS (
    SELECT keys, unnest(keys) AS vkey, unnest(range(1, len(keys) + 1)) AS pos FROM k
)
SELECT hash(u.keys) AS skey, string_agg(b.fv, chr(31) ORDER BY u.pos) AS vals
FROM u
JOIN fp_frames_base AS b USING (vkey)
GROUP BY u.keys
