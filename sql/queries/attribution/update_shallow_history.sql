-- Resolved frames whose line blame attributes to a shallow clone's boundary commit: the clone cut the
-- history there, so who wrote the line is unknown. Unresolved with reason shallow_history (retried when
-- the history changes, e.g. after `git fetch --unshallow`). Returns the number of frames changed.
UPDATE core.frame_resolutions r
SET status = 'unresolved', reason = 'shallow_history',
    detail = 'line last changed at or before ' || b.commit_sha[:12] || ', where the shallow clone stops'
FROM core.blame_lines b, core.blame_commits c
WHERE r.status = 'resolved' AND b.repo = r.repo AND b.revision = r.revision AND b.path = r.repo_path
  AND b.line = r.line AND c.repo = b.repo AND c.sha = b.commit_sha AND c.shallow_boundary
