INSERT OR REPLACE INTO core.risk_scores (repo, sha, model_version, probability, risk_level, reasons, in_training, scored_at)
SELECT repo, sha, model_version, probability, risk_level, reasons::JSON, in_training, now()::TIMESTAMP FROM risk_scores_batch;
