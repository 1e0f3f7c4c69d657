-- Resolutions of one repository ($1) left unresolved for a reason new history can cure ($2): resolved
-- again, with every other frame of their events (resolution is per event: an event with any resolution
-- row is not pending, so deleting only the waiting frames' rows would leave them pending for good).
-- Events an earlier version left that way (fewer resolution rows than frames) are resolved again too
-- (the frame count per event: 0.6 s on 8.7M frames, only when the history changed).
DELETE FROM core.frame_resolutions
WHERE event_id IN (
    SELECT event_id FROM core.frame_resolutions WHERE repo = $1 AND list_contains($2, reason)
    UNION
    SELECT f.event_id
    FROM core.frames AS f
    JOIN (SELECT event_id, count(*) AS n FROM core.frame_resolutions WHERE repo = $1 GROUP BY event_id) AS r
      USING (event_id)
    GROUP BY f.event_id, r.n
    HAVING count(*) > r.n
)
