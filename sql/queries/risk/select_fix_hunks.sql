-- Removed/changed line ranges (at the parent) of some fix commits, per file.
SELECT h.sha, coalesce(h.old_path, h.path) AS old_path, h.old_start, h.old_lines
FROM core.risk_hunks AS h
WHERE h.repo = $repo AND h.sha IN (SELECT unnest($shas::VARCHAR[])) AND h.old_lines > 0
ORDER BY h.sha, old_path, h.old_start;
