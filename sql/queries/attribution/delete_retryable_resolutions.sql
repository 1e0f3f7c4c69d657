-- Resolutions of one repository ($1) left unresolved for a reason new history can cure ($2): resolved
-- again, with every other frame of their events (resolution is per event: an event with any resolution
-- row is not pending, so deleting only the waiting frames' rows would leave them pending for good).
DELETE FROM core.frame_resolutions
WHERE event_id IN (SELECT event_id FROM core.frame_resolutions WHERE repo = $1 AND list_contains($2, reason))
