-- Remove a pack version's summary evaluation before recording a new one.
DELETE FROM core.pack_evaluations WHERE pack_version = ?
