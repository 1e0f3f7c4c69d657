-- Defect-inducing commits of a repository with the time each label became known:
--   production: a commit that wrote the crash line of a production event (blame -w at the revision the
--               event ran), or the rank-1 suspect of a cluster (SZZ-refined when its fix shipped);
--               known at the first such event / the cluster's first event
--   szz_fix:    blamed by SZZ from a later fix commit (message keywords); known at the fix's commit time
SELECT fa.commit_sha AS sha, 'production' AS source, min(e.ts) AS known_at
FROM frame_attribution AS fa
JOIN core.events AS e USING (event_id)
WHERE fa.repo = $repo AND fa.is_crash_site AND fa.commit_sha IS NOT NULL
GROUP BY ALL
UNION ALL
SELECT s.commit_sha AS sha, 'production' AS source, min(c.first_seen) AS known_at
FROM core.suspect_commit_scores AS s
JOIN core.clusters AS c USING (cluster_id)
WHERE s.repo = $repo AND s.rank = 1
GROUP BY ALL
UNION ALL
SELECT l.inducing_sha AS sha, 'szz_fix' AS source, min(f.committer_time) AS known_at
FROM core.risk_szz_links AS l
JOIN core.commits AS f ON f.repo = l.repo AND f.sha = l.fix_sha
WHERE l.repo = $repo
GROUP BY ALL;
