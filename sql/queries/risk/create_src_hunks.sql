-- Hunks (-U0 -w) of the commits to featurize: stored ones and those of the commits under review.
CREATE OR REPLACE TEMP TABLE risk_src_hunks AS
SELECT h.sha, h.path, h.new_start, h.new_lines, h.old_start, h.old_lines, h.function
FROM core.risk_hunks AS h
WHERE h.repo = $repo AND h.sha IN (SELECT sha FROM risk_targets) AND h.sha NOT IN (SELECT sha FROM risk_new_commits)
UNION ALL BY NAME
SELECT sha, path, new_start, new_lines, old_start, old_lines, function FROM risk_new_hunks;
