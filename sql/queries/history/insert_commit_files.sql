-- Files of the commits in the registered batch `hs_files`, skipping commits already stored
-- (run before insert_commits, so a re-scan after a history rewrite never duplicates rows).
INSERT INTO core.commit_files BY NAME
SELECT f.repo, f.sha, f.path, f.old_path, f.change_type, f.added, f.deleted, f.degraded
FROM hs_files AS f
WHERE NOT EXISTS (SELECT 1 FROM core.commits AS c WHERE c.repo = f.repo AND c.sha = f.sha)
