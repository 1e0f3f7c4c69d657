-- Figures of the stored suspect scores (reported when scoring is skipped because nothing changed).
SELECT count(DISTINCT cluster_id) AS clusters, count(*) AS suspects,
       count(DISTINCT cluster_id) FILTER (WHERE fix_commit IS NOT NULL) AS fixes,
       count(*) FILTER (WHERE method = 'szz') AS szz_refined,
       count(*) FILTER (WHERE method = 'reintroduced') AS reintroduced
FROM core.suspect_commit_scores
