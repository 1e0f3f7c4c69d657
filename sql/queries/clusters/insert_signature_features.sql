-- Upsert the per-signature features from the Arrow table registered as `_features`.
INSERT OR REPLACE INTO core.signature_features BY NAME SELECT * FROM _features
