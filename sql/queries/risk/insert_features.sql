INSERT OR REPLACE INTO core.risk_features (repo, features_version, sha, committed_at, features, label, label_sources)
SELECT repo, features_version, sha, committed_at, features::JSON, label, label_sources FROM risk_features_batch;
