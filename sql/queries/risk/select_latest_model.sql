SELECT version, created_at, inputs_digest, features_version, n_train, n_positive, params, metrics
FROM core.risk_models
WHERE repo = $repo
ORDER BY version DESC
LIMIT 1;
