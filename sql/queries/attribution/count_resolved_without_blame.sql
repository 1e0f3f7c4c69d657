-- Resolved frames that have no blame row for their line (must be 0 after blame_pending).
SELECT count(*)
FROM core.frame_resolutions r
WHERE r.status = 'resolved'
  AND NOT EXISTS (SELECT 1 FROM core.blame_lines b
                  WHERE b.repo = r.repo AND b.revision = r.revision AND b.path = r.repo_path AND b.line = r.line)
