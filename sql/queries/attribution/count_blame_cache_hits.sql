-- Files resolved frames need whose blame is already cached (reused instead of re-blamed).
SELECT count(*)
FROM (SELECT DISTINCT repo, revision, repo_path FROM core.frame_resolutions WHERE status = 'resolved') r
JOIN core.blamed_files b ON b.repo = r.repo AND b.revision = r.revision AND b.path = r.repo_path
