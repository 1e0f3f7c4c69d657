-- Rule-pack findings on added lines of the commits to featurize, with the first production event of
-- each rule's clusters ($pack: the pack version scanned; NULL = none). Review findings count at once.
CREATE OR REPLACE TEMP TABLE risk_src_findings AS
WITH rule_clusters AS (
    SELECT rule_id, unnest(cluster_ids) AS cluster_id FROM core.rules WHERE pack_version = $pack
),
rule_seen AS (
    SELECT rc.rule_id, min(c.first_seen) AS rule_first_seen
    FROM rule_clusters AS rc JOIN core.clusters AS c USING (cluster_id)
    GROUP BY rc.rule_id
)
SELECT f.sha, f.rule_id, f.path, f.line, rs.rule_first_seen
FROM core.risk_pack_findings AS f
LEFT JOIN rule_seen AS rs USING (rule_id)
WHERE f.repo = $repo AND f.pack_version = $pack
  AND f.sha IN (SELECT sha FROM risk_targets) AND f.sha NOT IN (SELECT sha FROM risk_new_commits)
UNION ALL BY NAME
SELECT sha, rule_id, path, line, NULL::TIMESTAMP AS rule_first_seen FROM risk_new_findings;
