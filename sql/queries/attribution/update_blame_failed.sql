-- Frames whose file could not be blamed ($attr_blame_failed): unresolved with reason blame_failed and
-- git's message in detail (the file is retried when the repository's history changes).
UPDATE core.frame_resolutions r
SET status = 'unresolved', reason = 'blame_failed', line = NULL, detail = f.detail
FROM attr_blame_failed f
WHERE r.status = 'resolved' AND r.repo = f.repo AND r.revision = f.revision AND r.repo_path = f.path
