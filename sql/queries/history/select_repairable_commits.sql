-- Stored commits of one repository degraded for want of an object (a partial or damaged clone), newest
-- first: read again in full once the clone holds what one of a spread sample of them lacked.
SELECT sha FROM core.commits
WHERE repo = $repo AND degraded IN ('missing_object', 'missing_tree')
ORDER BY committer_time DESC, sha
