-- The code that failed, as stored (scrubbed at ingest), per active cluster: the crash frame of its events
-- (innermost frame of the main exception, in-app first) with its pre-context, the most frequent one.
-- Needs no repository: guidance shows it under "Don't".
WITH member_events AS (
    SELECT cm.cluster_id, ef.event_id
    FROM core.event_fingerprints AS ef
    JOIN core.cluster_members AS cm ON cm.signature = ef.fingerprint
    JOIN core.clusters AS c ON c.cluster_id = cm.cluster_id AND c.status = 'active'
),
crash AS (
    SELECT
        me.cluster_id, f.context_line, f.pre_context,
        row_number() OVER (
            PARTITION BY f.event_id
            ORDER BY coalesce(x.is_main, FALSE) DESC, coalesce(f.in_app, FALSE) DESC,
                     f.exception_index DESC, f.frame_index DESC
        ) AS rk
    FROM member_events AS me
    JOIN core.frames AS f ON f.event_id = me.event_id
    LEFT JOIN core.exceptions AS x ON x.event_id = f.event_id AND x.exception_index = f.exception_index
),
counted AS (
    SELECT cluster_id, pre_context, context_line, count(*) AS events
    FROM crash
    WHERE rk = 1 AND context_line IS NOT NULL AND trim(context_line) <> ''
    GROUP BY ALL
)
SELECT cluster_id, pre_context, context_line
FROM counted
QUALIFY row_number() OVER (PARTITION BY cluster_id ORDER BY events DESC, context_line) = 1
ORDER BY cluster_id
