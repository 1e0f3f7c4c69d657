-- Frames per outcome: 'resolved' or the reason they are unresolved.
SELECT CASE WHEN status = 'resolved' THEN 'resolved' ELSE COALESCE(reason, 'unknown') END AS outcome, count(*) AS frames
FROM core.frame_resolutions
GROUP BY 1
ORDER BY 2 DESC, 1
