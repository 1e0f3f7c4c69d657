-- Lines (repo, revision, path, line) that resolved frames point at and that were never blamed.
SELECT DISTINCT r.repo, r.revision, r.repo_path AS path, r.line
FROM core.frame_resolutions r
WHERE r.status = 'resolved'
  AND NOT EXISTS (
      SELECT 1 FROM core.blame_lines b
      WHERE b.repo = r.repo AND b.revision = r.revision AND b.path = r.repo_path AND b.line = r.line
  )
ORDER BY 1, 2, 3, 4
