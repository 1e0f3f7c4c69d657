-- Files changed by each non-merge commit of risk_src_commits, with the commit's order, author and time.
CREATE OR REPLACE TEMP TABLE risk_src_files AS
WITH all_files AS (
    SELECT f.sha, f.path, f.old_path, coalesce(f.added, 0) AS added, coalesce(f.deleted, 0) AS deleted
    FROM core.commit_files AS f
    WHERE f.repo = $repo AND f.sha NOT IN (SELECT sha FROM risk_new_commits)
    UNION ALL BY NAME
    SELECT sha, path, old_path, coalesce(added, 0) AS added, coalesce(deleted, 0) AS deleted FROM risk_new_files
)
SELECT f.*, c.ord, c.author_key, c.committed_at,
       CASE WHEN contains(f.path, '/') THEN split_part(f.path, '/', 1) ELSE '' END AS subsystem,
       CASE WHEN contains(f.path, '/') THEN regexp_replace(f.path, '/[^/]*$', '') ELSE '' END AS directory
FROM all_files AS f
JOIN risk_src_commits AS c USING (sha)
WHERE NOT c.is_merge;
