-- Per cluster and blamed crash-site commit (clusters with more than one): the first and the last
-- revision its events ran, and its crash line at the last one, to tell a reintroduced bug (a fix
-- between an older and a younger commit that wrote the crash line) from one that never went away.
WITH sites AS (
    SELECT ce.cluster_id, fa.repo, fa.commit_sha, fa.revision, fa.repo_path, fa.line, e.ts
    FROM frame_attribution fa
    JOIN attribution_cluster_events ce USING (event_id)
    JOIN core.events e USING (event_id)
    WHERE fa.is_crash_site AND fa.status = 'resolved' AND fa.commit_sha IS NOT NULL
),
per_commit AS (
    SELECT cluster_id, repo, commit_sha,
           min(ts) AS first_seen, max(ts) AS last_seen,
           arg_min(revision, ts) AS first_revision,
           arg_max(revision, ts) AS last_revision, arg_max(repo_path, ts) AS last_path, arg_max(line, ts) AS last_line
    FROM sites GROUP BY ALL
)
SELECT p.cluster_id, p.repo, p.commit_sha, p.first_seen, p.last_seen, p.first_revision, p.last_revision,
       p.last_path, p.last_line
FROM per_commit p
WHERE p.cluster_id IN (SELECT cluster_id FROM per_commit GROUP BY cluster_id HAVING count(*) > 1)
ORDER BY p.cluster_id, p.first_seen, p.commit_sha
