-- The ai_failure_rates view, for the Dagster asset's metadata.
SELECT * FROM ai_failure_rates ORDER BY repo, tool
