-- Models older than the newest $keep of a repository.
DELETE FROM core.risk_models
WHERE repo = $repo AND version NOT IN (
    SELECT version FROM core.risk_models WHERE repo = $repo ORDER BY version DESC LIMIT $keep);
