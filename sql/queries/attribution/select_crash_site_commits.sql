-- Per cluster and blamed crash-site commit (clusters with more than one): the first and the last
-- revision its events ran, and its crash line at the last one, to tell a reintroduced bug (a fix
-- between an older and a younger commit that wrote the crash line) from one that never went away.
-- Crash site: the innermost resolved frame of the event's main exception (core tables, not the
-- frame_attribution view: this runs whenever suspects are scored).
WITH fr AS (
    SELECT r.event_id, r.repo, r.revision, r.repo_path, r.line, b.commit_sha,
           row_number() OVER (PARTITION BY r.event_id
                              ORDER BY COALESCE(x.is_main, true) DESC, r.exception_index DESC, r.frame_index DESC) AS rk
    FROM core.frame_resolutions r
    JOIN core.blame_lines b
      ON b.repo = r.repo AND b.revision = r.revision AND b.path = r.repo_path AND b.line = r.line
    LEFT JOIN core.exceptions x USING (event_id, exception_index)
    WHERE r.status = 'resolved'
),
sites AS (
    SELECT ce.cluster_id, fr.repo, fr.commit_sha, fr.revision, fr.repo_path, fr.line, e.ts
    FROM fr
    JOIN attribution_cluster_events ce USING (event_id)
    JOIN core.events e USING (event_id)
    WHERE fr.rk = 1
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
WHERE p.cluster_id IN (SELECT cluster_id FROM per_commit GROUP BY cluster_id HAVING count(DISTINCT last_revision) > 1
                                                                                 OR count(DISTINCT first_revision) > 1)
ORDER BY p.cluster_id, p.first_seen, p.commit_sha
