-- Store the digest of one recomputation ($1 = name, $2 = digest).
INSERT OR REPLACE INTO core.attribution_state (name, digest, updated_at) VALUES ($1, $2, now()::TIMESTAMP)
