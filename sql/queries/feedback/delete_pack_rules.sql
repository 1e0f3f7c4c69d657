-- Remove one pack version's rule rows before (re)recording it: recording a pack is idempotent.
DELETE FROM core.rules WHERE pack_version = ?
