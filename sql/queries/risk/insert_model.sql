INSERT INTO core.risk_models (repo, version, created_at, inputs_digest, features_version, n_train, n_positive, params, metrics)
VALUES ($repo, $version, now()::TIMESTAMP, $digest, $features_version, $n_train, $n_positive, $params, $metrics);
