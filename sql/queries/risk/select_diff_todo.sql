-- Non-merge commits of a repository whose hunks were never read, oldest first.
SELECT c.sha
FROM core.commits AS c
WHERE c.repo = $repo AND len(c.parents) <= 1
  AND NOT EXISTS (SELECT 1 FROM core.risk_diffs AS d WHERE d.repo = c.repo AND d.sha = c.sha)
ORDER BY c.committer_time, c.sha;
