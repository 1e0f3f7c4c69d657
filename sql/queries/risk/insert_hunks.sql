INSERT INTO core.risk_hunks (repo, sha, path, old_path, old_start, old_lines, new_start, new_lines, function)
SELECT repo, sha, path, old_path, old_start, old_lines, new_start, new_lines, function FROM risk_hunks_batch;
