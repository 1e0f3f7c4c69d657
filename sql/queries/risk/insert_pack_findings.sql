INSERT INTO core.risk_pack_findings (repo, sha, pack_version, rule_id, path, line)
SELECT b.repo, b.sha, b.pack_version, b.rule_id, b.path, b.line
FROM risk_findings_batch AS b
WHERE NOT EXISTS (SELECT 1 FROM core.risk_pack_scans AS s
                  WHERE s.repo = b.repo AND s.sha = b.sha AND s.pack_version = b.pack_version);
