-- What production had shown about the code a target commit touches, as of the day before it:
-- changed files and functions with crash sites, their clusters, events, and linked incidents.
WITH tf AS (
    SELECT f.sha, f.path, f.old_path, f.committed_at FROM risk_src_files AS f JOIN risk_targets USING (sha)
),
file_sites AS (
    SELECT tf.sha, cs.path, cs.function, cs.cluster_id, cs.events
    FROM tf JOIN risk_crash_sites AS cs
      ON (cs.path = tf.path OR cs.path = tf.old_path) AND cs.day < tf.committed_at::DATE
),
touched_functions AS (
    SELECT DISTINCT h.sha, h.path, h.function FROM risk_src_hunks AS h WHERE h.function IS NOT NULL
),
function_sites AS (
    SELECT DISTINCT fs.sha, fs.path, fs.function
    FROM file_sites AS fs
    JOIN touched_functions AS tfn ON tfn.sha = fs.sha AND tfn.path = fs.path
         AND (tfn.function = fs.function OR fs.function LIKE '%.' || tfn.function)
),
incidents AS (
    SELECT fs.sha, count(DISTINCT l.incident_id) AS prod_incidents
    FROM (SELECT DISTINCT sha, cluster_id FROM file_sites) AS fs
    JOIN risk_incident_links AS l ON l.cluster_id = fs.cluster_id
    JOIN risk_src_commits AS c ON c.sha = fs.sha
    WHERE l.started_at IS NULL OR l.started_at < c.committed_at
    GROUP BY fs.sha
)
SELECT s.sha,
       count(DISTINCT s.path)::DOUBLE AS prod_files,
       (SELECT count(*) FROM function_sites AS f WHERE f.sha = s.sha)::DOUBLE AS prod_functions,
       count(DISTINCT s.cluster_id)::DOUBLE AS prod_clusters,
       sum(s.events)::DOUBLE AS prod_events,
       coalesce(any_value(i.prod_incidents), 0)::DOUBLE AS prod_incidents,
       list(DISTINCT s.cluster_id ORDER BY s.cluster_id) AS clusters,
       list(DISTINCT s.path ORDER BY s.path) AS paths
FROM file_sites AS s
LEFT JOIN incidents AS i USING (sha)
GROUP BY s.sha;
