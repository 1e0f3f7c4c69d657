-- Commits with hunks that were never scanned with this pack version, oldest first.
SELECT d.sha
FROM core.risk_diffs AS d
JOIN core.commits AS c USING (repo, sha)
WHERE d.repo = $repo
  AND NOT EXISTS (SELECT 1 FROM core.risk_pack_scans AS s WHERE s.repo = d.repo AND s.sha = d.sha AND s.pack_version = $pack)
ORDER BY c.committer_time, d.sha;
