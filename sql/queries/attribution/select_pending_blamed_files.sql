-- Files (repo, revision, path) with lines blamed in an earlier run, at the revisions pending events ran:
-- lines frame resolution places in them are checked against `core.blame_lines` before being blamed early.
SELECT DISTINCT b.repo, b.revision, b.path
FROM core.blame_lines b
JOIN (SELECT DISTINCT repo, revision FROM attr_pending_revisions) p ON b.repo = p.repo AND b.revision = p.revision
