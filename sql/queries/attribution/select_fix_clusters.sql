-- Clusters that stopped recurring: the newest release a cluster's events ran, the next release of the
-- same repository, and proof that release ran (later events of other clusters on it or a newer one).
WITH ev AS (
    SELECT ce.cluster_id, e.event_id, e.ts, r.repo, r.revision, rel.released_at
    FROM attribution_cluster_events ce
    JOIN core.events e USING (event_id)
    JOIN (SELECT event_id, any_value(repo) AS repo, any_value(revision) AS revision
          FROM core.frame_resolutions WHERE revision_source = 'release' GROUP BY event_id) r USING (event_id)
    JOIN (SELECT repo, sha, min(released_at) AS released_at FROM core.releases GROUP BY ALL) rel
      ON rel.repo = r.repo AND rel.sha = r.revision
),
last_seen AS (
    SELECT cluster_id, repo, arg_max(revision, released_at) AS last_revision, max(released_at) AS last_released_at,
           min(ts) AS first_seen, max(ts) AS last_seen
    FROM ev GROUP BY cluster_id, repo
),
next_release AS (
    SELECT l.*, n.fix_revision, n.fix_release, n.fix_released_at
    FROM last_seen l
    JOIN LATERAL (SELECT arg_min(r.sha, r.released_at) AS fix_revision, arg_min(r.release, r.released_at) AS fix_release,
                         min(r.released_at) AS fix_released_at
                  FROM core.releases r WHERE r.repo = l.repo AND r.released_at > l.last_released_at) n ON true
)
SELECT n.cluster_id, n.repo, n.last_revision, n.fix_revision, n.fix_release, n.first_seen
FROM next_release n
WHERE n.fix_revision IS NOT NULL
  AND EXISTS (SELECT 1 FROM ev o WHERE o.repo = n.repo AND o.ts > n.last_seen AND o.released_at >= n.fix_released_at)
ORDER BY 1
