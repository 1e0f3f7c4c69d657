-- Exceptions of events that contain an exception group (a type named *ExceptionGroup / *AggregateException,
-- or an exception that is the parent of two or more exceptions); the selection is done in Python.
WITH kids AS (
    SELECT event_id, parent_id AS exception_id, count(*) AS n
    FROM fp_exceptions WHERE parent_id IS NOT NULL GROUP BY ALL
), grouped AS (
    SELECT DISTINCT x.event_id
    FROM fp_exceptions AS x LEFT JOIN kids USING (event_id, exception_id)
    WHERE x.exception_id IS NOT NULL
      AND (coalesce(kids.n, 0) >= 2 OR regexp_matches(coalesce(x.type, ''), '(ExceptionGroup|AggregateException)$'))
)
SELECT x.event_id, x.exception_index, x.exception_id, x.parent_id, x.type,
       regexp_matches(coalesce(x.type, ''), '(ExceptionGroup|AggregateException)$') OR coalesce(k.n, 0) >= 2 AS is_group,
       md5(coalesce(x.sys_vals, '')) AS component_hash
FROM fp_exceptions AS x
JOIN grouped USING (event_id)
LEFT JOIN kids AS k USING (event_id, exception_id)
ORDER BY x.event_id, x.exception_index
