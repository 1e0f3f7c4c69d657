-- Remove a pack version's per-rule evaluation before recording a new one (re-evaluation replaces it).
DELETE FROM core.rule_evaluations WHERE pack_version = ?
