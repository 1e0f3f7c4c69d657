-- Findings of the rule pack on each target commit's added lines, counting only rules whose
-- production evidence (the first event of one of their clusters) predates the commit.
SELECT f.sha, count(*)::DOUBLE AS pack_findings, list(DISTINCT f.rule_id ORDER BY f.rule_id) AS rules
FROM risk_src_findings AS f
JOIN risk_src_commits AS c USING (sha)
WHERE f.rule_first_seen IS NULL OR f.rule_first_seen < c.committed_at
GROUP BY f.sha;
