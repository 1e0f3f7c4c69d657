-- Record one rule pack version.
INSERT INTO core.rule_packs (version, created_at, path, manifest, changelog) VALUES (?, ?, ?, ?, ?)
