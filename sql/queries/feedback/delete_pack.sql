-- Remove one pack version's row before (re)recording it.
DELETE FROM core.rule_packs WHERE version = ?
