-- Files (repo, revision, path) that resolved frames point into and that were never blamed.
SELECT DISTINCT r.repo, r.revision, r.repo_path AS path
FROM core.frame_resolutions r
WHERE r.status = 'resolved'
  AND NOT EXISTS (
      SELECT 1 FROM core.blamed_files b
      WHERE b.repo = r.repo AND b.revision = r.revision AND b.path = r.repo_path
  )
ORDER BY 1, 2, 3
