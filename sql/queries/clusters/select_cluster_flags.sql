-- Every flag of every active cluster, recomputed from the data (so flagging is idempotent):
--   new        - the cluster's first day
--   regression - reappears after more than $1 quiet days;
--              - or reappears in a release (at least one release went by without it) that contains a
--                commit changing its crash-site file made after the release it last crashed in;
--              - or is seen in a release cut after a known fix commit (suspect_commit_scores.fix_commit)
--   spike      - a day with >= $5 events, >= $3 x and >= mean + $4 x stddev of the trailing $2 days
--                (zero days included), when at least 3 earlier days exist.
WITH active AS (SELECT cluster_id FROM core.clusters WHERE status = 'active'),
daily AS (SELECT d.* FROM cluster_daily d JOIN active USING (cluster_id)),
new_flags AS (
    SELECT cluster_id, 'new' AS flag, min(day) AS day, 'first seen' AS detail FROM daily GROUP BY cluster_id
),
gaps AS (
    SELECT cluster_id, day, lag(day) OVER (PARTITION BY cluster_id ORDER BY day) AS prev_day FROM daily
),
quiet_flags AS (
    SELECT cluster_id, 'regression' AS flag, day,
           format('reappeared after {} quiet days (last seen {})', day - prev_day - 1, prev_day) AS detail
    FROM gaps WHERE prev_day IS NOT NULL AND day - prev_day - 1 >= $1
),
ev AS (
    SELECT ce.cluster_id, ce.ts, ce.release FROM cluster_events ce JOIN active USING (cluster_id)
    WHERE ce.release IS NOT NULL
),
rel_first AS (SELECT cluster_id, release, min(ts) AS first_ts FROM ev GROUP BY ALL),
rel_prev AS (  -- the cluster's last event before it first appeared in this release
    SELECT rf.cluster_id, rf.release, rf.first_ts, p.release AS prev_release, p.ts AS prev_ts
    FROM rel_first rf ASOF JOIN ev p ON p.cluster_id = rf.cluster_id AND p.ts < rf.first_ts
    WHERE p.release <> rf.release
),
release_times AS (SELECT release, min(released_at) AS released_at FROM core.releases GROUP BY release),
crash_paths AS (
    SELECT DISTINCT cs.cluster_id, sf.crash_path
    FROM cluster_signatures cs JOIN core.signature_features sf USING (signature)
    WHERE sf.crash_path IS NOT NULL
),
changes AS (
    SELECT cf.path, c.sha, coalesce(c.committer_time, c.author_time) AS at
    FROM core.commit_files cf JOIN core.commits c USING (repo, sha)
),
code_flags AS (
    SELECT rp.cluster_id, 'regression' AS flag, CAST(rp.first_ts AS DATE) AS day,
           format('reappeared in release {} after commit {} changed {} (last crashed in {})',
                  rp.release, left(arg_max(ch.sha, ch.at), 12), arg_max(ch.path, ch.at), rp.prev_release) AS detail
    FROM rel_prev rp
    JOIN crash_paths cp USING (cluster_id)
    JOIN changes ch ON (ch.path = cp.crash_path OR ends_with(cp.crash_path, '/' || ch.path)
                        OR ends_with(ch.path, '/' || cp.crash_path))
    JOIN release_times now_rel ON now_rel.release = rp.release
    JOIN release_times prev_rel ON prev_rel.release = rp.prev_release
    WHERE ch.at > prev_rel.released_at
      AND ch.at <= now_rel.released_at
      AND EXISTS (  -- it *reappears*: at least one release in between went by without it
          SELECT 1 FROM release_times mid
          WHERE mid.released_at > prev_rel.released_at AND mid.released_at < now_rel.released_at
      )
    GROUP BY rp.cluster_id, rp.release, rp.first_ts, rp.prev_release
),
fixes AS (
    SELECT coalesce(k.merged_into, s.cluster_id) AS cluster_id, s.fix_commit,
           min(coalesce(c.committer_time, c.author_time)) AS fixed_at
    FROM core.suspect_commit_scores s
    JOIN core.clusters k ON k.cluster_id = s.cluster_id
    JOIN core.commits c ON c.repo = s.repo AND c.sha = s.fix_commit
    WHERE s.fix_commit IS NOT NULL
    GROUP BY ALL
),
fix_flags AS (
    SELECT f.cluster_id, 'regression' AS flag, CAST(min(rf.first_ts) AS DATE) AS day,
           format('seen in release {} after fix commit {}', arg_min(rf.release, rf.first_ts),
                  left(f.fix_commit, 12)) AS detail
    FROM fixes f
    JOIN rel_first rf USING (cluster_id)
    JOIN release_times rt ON rt.release = rf.release
    WHERE rt.released_at > f.fixed_at
    GROUP BY f.cluster_id, f.fix_commit
),
series AS (  -- every day of each cluster's life, zero when quiet
    SELECT cluster_id, unnest(generate_series(min(day), max(day), INTERVAL 1 DAY))::DATE AS day
    FROM daily GROUP BY cluster_id
),
counts AS (
    SELECT s.cluster_id, s.day, coalesce(d.events, 0) AS events,
           avg(coalesce(d.events, 0)) OVER w AS mean,
           stddev_pop(coalesce(d.events, 0)) OVER w AS sd,
           count(*) OVER w AS history
    FROM series s LEFT JOIN daily d USING (cluster_id, day)
    WINDOW w AS (PARTITION BY s.cluster_id ORDER BY s.day ROWS BETWEEN $2 PRECEDING AND 1 PRECEDING)
),
spike_flags AS (
    SELECT cluster_id, 'spike' AS flag, day,
           format('{} events vs trailing mean {} (sd {})', events, round(mean, 2), round(sd, 2)) AS detail
    FROM counts
    WHERE history >= 3 AND events >= $5 AND events >= $3 * mean AND events >= mean + $4 * sd
)
SELECT cluster_id, flag, day, string_agg(detail, '; ' ORDER BY detail) AS detail
FROM (
    SELECT * FROM new_flags UNION ALL SELECT * FROM quiet_flags UNION ALL SELECT * FROM code_flags
    UNION ALL SELECT * FROM fix_flags UNION ALL SELECT * FROM spike_flags
)
GROUP BY cluster_id, flag, day
ORDER BY cluster_id, day, flag
