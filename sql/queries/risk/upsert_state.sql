INSERT OR REPLACE INTO core.risk_state (repo, inputs_digest, outcome, updated_at)
VALUES ($repo, $digest, $outcome, now()::TIMESTAMP);
