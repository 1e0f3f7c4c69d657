-- Resolutions of one repository ($1) left unresolved for a reason new history can cure ($2): resolved again.
DELETE FROM core.frame_resolutions WHERE repo = $1 AND list_contains($2, reason)
