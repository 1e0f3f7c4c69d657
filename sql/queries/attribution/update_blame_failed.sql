-- Frames whose file could not be blamed ($attr_blame_failed): unresolved with reason blame_failed.
UPDATE core.frame_resolutions r
SET status = 'unresolved', reason = 'blame_failed', line = NULL
FROM attr_blame_failed f
WHERE r.status = 'resolved' AND r.repo = f.repo AND r.revision = f.revision AND r.repo_path = f.path
