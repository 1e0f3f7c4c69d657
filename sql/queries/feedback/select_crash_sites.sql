-- Crash sites of every active cluster: the innermost in-app frame of each event's main exception,
-- resolved to (repo, revision, path, line), with the blamed commit, its AI classification and the
-- cluster's fix commit in that repository. One row per distinct site, with its event count.
WITH member_events AS (
    SELECT cm.cluster_id, ef.event_id
    FROM core.event_fingerprints AS ef
    JOIN core.cluster_members AS cm ON cm.signature = ef.fingerprint
    JOIN core.clusters AS c ON c.cluster_id = cm.cluster_id AND c.status = 'active'
),
ranked AS (
    SELECT
        r.event_id, r.status, r.repo, r.revision, r.repo_path, r.line,
        row_number() OVER (
            PARTITION BY r.event_id
            ORDER BY coalesce(x.is_main, FALSE) DESC,
                     coalesce(f.in_app, r.status = 'resolved') DESC,
                     r.exception_index DESC,
                     r.frame_index DESC
        ) AS rk
    FROM core.frame_resolutions AS r
    LEFT JOIN core.frames AS f USING (event_id, exception_index, frame_index)
    LEFT JOIN core.exceptions AS x USING (event_id, exception_index)
),
sites AS (
    SELECT me.cluster_id, k.repo, k.revision, k.repo_path, k.line, count(*) AS events
    FROM member_events AS me
    JOIN ranked AS k ON k.event_id = me.event_id AND k.rk = 1
    WHERE k.status = 'resolved' AND k.repo IS NOT NULL AND k.revision IS NOT NULL
      AND k.repo_path IS NOT NULL AND k.line IS NOT NULL
    GROUP BY ALL
),
fixes AS (
    SELECT cluster_id, repo, max(fix_commit) AS fix_commit
    FROM core.suspect_commit_scores
    WHERE fix_commit IS NOT NULL
    GROUP BY ALL
)
SELECT
    s.cluster_id, c.failure_class, s.repo, s.revision, s.repo_path, s.line, s.events,
    b.commit_sha                                  AS blamed_commit,
    coalesce(a.ai_authored, FALSE)                AS ai_authored,
    a.ai_tool,
    fx.fix_commit
FROM sites AS s
JOIN core.clusters AS c USING (cluster_id)
LEFT JOIN core.blame_lines AS b
       ON b.repo = s.repo AND b.revision = s.revision AND b.path = s.repo_path AND b.line = s.line
LEFT JOIN core.commit_ai AS a ON a.repo = s.repo AND a.sha = b.commit_sha
LEFT JOIN fixes AS fx ON fx.cluster_id = s.cluster_id AND fx.repo = s.repo
ORDER BY s.cluster_id, s.repo, s.repo_path, s.line, s.revision
