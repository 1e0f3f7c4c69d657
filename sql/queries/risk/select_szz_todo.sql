-- Fix commits (message matches $fix_pattern; one parent; hunks read) that SZZ has not processed yet.
SELECT c.sha, c.parents[1] AS parent
FROM core.commits AS c
JOIN core.risk_diffs AS d USING (repo, sha)
WHERE c.repo = $repo AND len(c.parents) = 1 AND regexp_matches(coalesce(c.message, ''), $fix_pattern)
  AND NOT EXISTS (SELECT 1 FROM core.risk_szz_fixes AS s WHERE s.repo = c.repo AND s.fix_sha = c.sha)
ORDER BY c.committer_time, c.sha;
