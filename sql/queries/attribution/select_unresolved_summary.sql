-- Unresolved frames per reason (third-party code excluded: nothing to fix), with the events they hit
-- and the three commonest release strings (release reasons) or frame paths (the others) as examples.
WITH u AS (
    SELECT r.reason, r.event_id,
           CASE WHEN r.reason IN ('no_release', 'unknown_release', 'ambiguous_release')
                THEN COALESCE(e.release, '(none)')
                ELSE COALESCE(f.abs_path, f.filename, '(none)') END AS example
    FROM core.frame_resolutions r
    JOIN core.events e USING (event_id)
    LEFT JOIN core.frames f USING (event_id, exception_index, frame_index)
    WHERE r.status = 'unresolved' AND r.reason IS NOT NULL AND r.reason <> 'third_party'
),
counted AS (
    SELECT reason, example, count(*) AS n FROM u GROUP BY ALL
)
SELECT t.reason, t.frames, t.events, list(c.example || ' ×' || c.n ORDER BY c.n DESC, c.example)[1:3] AS examples
FROM (SELECT reason, count(*) AS frames, count(DISTINCT event_id) AS events FROM u GROUP BY reason) t
JOIN counted c USING (reason)
GROUP BY t.reason, t.frames, t.events
ORDER BY t.frames DESC, t.reason
LIMIT $top
