-- Materialized into the snapshot as dash.ai_failure_rates (failures per 1,000 lines per tool; built on the above).
SELECT * FROM main.ai_failure_rates
