-- How many of some commits ($shas) are stored without a degraded reason (read in full).
SELECT count(*) FROM core.commits WHERE repo = $repo AND list_contains($shas, sha) AND degraded IS NULL
