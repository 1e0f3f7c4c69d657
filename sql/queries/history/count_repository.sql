-- Totals of one repository after an ingest (reported by the CLI and the Dagster asset).
SELECT
    (SELECT count(*) FROM core.commits WHERE repo = $repo) AS commits_total,
    (SELECT count(*) FROM core.commit_ai WHERE repo = $repo AND origin = 'ai_authored') AS ai_authored_total,
    (SELECT count(*) FROM core.commit_ai WHERE repo = $repo AND origin = 'ai_committed_only') AS ai_committed_only_total,
    (SELECT count(*) FROM core.releases WHERE repo = $repo) AS releases_total,
    (SELECT count(*) FROM core.ai_line_ranges WHERE repo = $repo) AS ai_line_ranges_total,
    (SELECT count(*) FROM core.commits WHERE repo = $repo AND degraded IS NOT NULL) AS commits_degraded_total
