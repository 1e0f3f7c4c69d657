-- Per repository with a model: non-merge commits without a score from the latest model version.
WITH latest AS (SELECT repo, max(version) AS version FROM core.risk_models GROUP BY repo)
SELECT l.repo, count(c.sha) FILTER (WHERE s.sha IS NULL) AS unscored
FROM latest AS l
JOIN core.commits AS c ON c.repo = l.repo AND len(c.parents) <= 1
LEFT JOIN core.risk_scores AS s ON s.repo = c.repo AND s.sha = c.sha AND s.model_version = l.version
GROUP BY l.repo
ORDER BY l.repo;
