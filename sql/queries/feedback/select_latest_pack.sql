-- The most recent rule pack (by creation time), if any.
SELECT version, created_at, path, manifest, changelog
FROM core.rule_packs
ORDER BY created_at DESC, version DESC
LIMIT 1
