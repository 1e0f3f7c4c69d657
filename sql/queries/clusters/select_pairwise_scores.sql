-- Pairwise precision and recall of the clustering of events against planted bugs.
-- Needs a table `bench_truth(event_id, bug_id)`; only events present in both sides count.
WITH j AS (
    SELECT t.bug_id, ce.cluster_id FROM bench_truth t JOIN cluster_events ce USING (event_id)
),
cells AS (SELECT bug_id, cluster_id, count(*)::DOUBLE AS n FROM j GROUP BY ALL),
per_cluster AS (SELECT sum(n) AS n FROM cells GROUP BY cluster_id),
per_bug AS (SELECT sum(n) AS n FROM cells GROUP BY bug_id)
SELECT (SELECT sum(n * (n - 1) / 2) FROM cells) AS same_both,
       (SELECT sum(n * (n - 1) / 2) FROM per_cluster) AS same_cluster,
       (SELECT sum(n * (n - 1) / 2) FROM per_bug) AS same_bug,
       (SELECT count(*) FROM per_cluster) AS clusters,
       (SELECT count(*) FROM per_bug) AS bugs,
       (SELECT count(*) FROM j) AS events
