-- Feature sets no longer used by the newest $keep models of a repository.
DELETE FROM core.risk_features
WHERE repo = $repo AND features_version NOT IN (
    SELECT features_version FROM core.risk_models WHERE repo = $repo ORDER BY version DESC LIMIT $keep);
