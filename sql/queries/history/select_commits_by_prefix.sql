-- At most two commits whose sha starts with a prefix (a unique prefix resolves, an ambiguous one does not).
SELECT sha FROM core.commits WHERE repo = $repo AND starts_with(sha, $prefix) LIMIT 2
