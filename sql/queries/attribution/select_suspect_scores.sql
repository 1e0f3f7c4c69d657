-- Suspect commits per cluster from the blamed lines of its events' frames.
-- Per event, resolved frames are numbered from the innermost (depth 0 = crash site) outwards; a frame
-- weighs $decay^depth (x $secondary for frames of a chained, not-main exception); a commit's weight in
-- an event is the best of its frames; its score is the mean weight over the cluster's events, so 1.0
-- = wrote the crash line of every event. Ties go to the younger commit. Top $top_n per cluster.
WITH n AS (
    SELECT cluster_id, count(*) AS events FROM attribution_cluster_events GROUP BY cluster_id
),
fr AS (  -- resolved, blamed frames (core tables, not the frame_attribution view: this runs every time)
    SELECT r.event_id, r.exception_index, r.frame_index, r.repo, r.repo_path, r.line, b.commit_sha, f.function,
           COALESCE(x.is_main, true) AS in_main_exception,
           row_number() OVER (PARTITION BY r.event_id, r.exception_index ORDER BY r.frame_index DESC) - 1 AS depth
    FROM core.frame_resolutions r
    JOIN core.blame_lines b
      ON b.repo = r.repo AND b.revision = r.revision AND b.path = r.repo_path AND b.line = r.line
    JOIN core.frames f USING (event_id, exception_index, frame_index)
    LEFT JOIN core.exceptions x USING (event_id, exception_index)
    WHERE r.status = 'resolved'
),
w AS (
    SELECT ce.cluster_id, fr.event_id, fr.repo, fr.commit_sha, fr.repo_path, fr.line, fr.function, fr.depth,
           pow($decay, fr.depth) * CASE WHEN fr.in_main_exception THEN 1.0 ELSE $secondary END AS weight
    FROM fr JOIN attribution_cluster_events ce USING (event_id)
    WHERE fr.depth < $max_depth
),
per_event AS (
    SELECT cluster_id, event_id, repo, commit_sha, max(weight) AS weight FROM w GROUP BY ALL
),
scores AS (
    SELECT cluster_id, repo, commit_sha, sum(weight) AS total, count(*) AS events_hit FROM per_event GROUP BY ALL
),
sites AS (
    SELECT cluster_id, repo, commit_sha, repo_path, line, any_value(function) AS function,
           min(depth) AS depth, count(DISTINCT event_id) AS events
    FROM w GROUP BY cluster_id, repo, commit_sha, repo_path, line
),
evidence AS (
    SELECT cluster_id, repo, commit_sha,
           list({'path': repo_path, 'line': line, 'function': function, 'depth': depth, 'events': events}
                ORDER BY depth, events DESC, repo_path, line)[1:5] AS sites
    FROM sites GROUP BY ALL
),
ranked AS (
    SELECT s.cluster_id, s.repo, s.commit_sha, s.total / n.events AS score, s.events_hit, n.events, e.sites,
           row_number() OVER (PARTITION BY s.cluster_id
                              ORDER BY s.total DESC, COALESCE(c.author_time, bc.author_time) DESC NULLS LAST,
                                       s.commit_sha) AS rank
    FROM scores s
    JOIN n USING (cluster_id)
    JOIN evidence e USING (cluster_id, repo, commit_sha)
    LEFT JOIN core.commits c ON c.repo = s.repo AND c.sha = s.commit_sha
    LEFT JOIN core.blame_commits bc ON bc.repo = s.repo AND bc.sha = s.commit_sha
)
SELECT cluster_id, repo, commit_sha, rank::INTEGER AS rank, round(score, 6) AS score, 'blame' AS method,
       to_json({'events_hit': events_hit, 'cluster_events': events, 'sites': sites})::VARCHAR AS evidence,
       NULL::VARCHAR AS fix_commit
FROM ranked
WHERE rank <= $top_n
ORDER BY cluster_id, rank
