-- AI-origin classification rows of the registered batch `hs_ai` not stored yet.
INSERT INTO core.commit_ai BY NAME
SELECT a.repo, a.sha, a.origin, a.ai_authored, a.ai_tool, a.evidence_kind, a.evidence, a.marker_id,
       a.all_evidence::JSON AS all_evidence
FROM hs_ai AS a
WHERE NOT EXISTS (SELECT 1 FROM core.commit_ai AS x WHERE x.repo = a.repo AND x.sha = a.sha)
