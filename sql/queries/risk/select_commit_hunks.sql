SELECT sha, path, new_start, new_lines, old_start, old_lines, function
FROM core.risk_hunks
WHERE repo = $repo AND sha IN (SELECT unnest($shas::VARCHAR[]));
