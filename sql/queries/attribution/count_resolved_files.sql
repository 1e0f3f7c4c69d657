-- Distinct files (repo, revision, path) resolved frames point into (cache hits = these minus files blamed now).
SELECT count(*) FROM (SELECT DISTINCT repo, revision, repo_path FROM core.frame_resolutions WHERE status = 'resolved')
