-- Scores of models older than the newest $keep of a repository.
DELETE FROM core.risk_scores
WHERE repo = $repo AND model_version NOT IN (
    SELECT version FROM core.risk_models WHERE repo = $repo ORDER BY version DESC LIMIT $keep);
