-- git-ai line ranges (AI and human) of the commits to featurize: a note decides line by line.
CREATE OR REPLACE TEMP TABLE risk_src_ai_ranges AS
SELECT r.sha, r.path, r.line_start, r.line_end, r.author_kind, r.ai_tool
FROM core.ai_line_ranges AS r
WHERE r.repo = $repo AND r.sha IN (SELECT sha FROM risk_targets) AND r.sha NOT IN (SELECT sha FROM risk_new_commits)
UNION ALL BY NAME
SELECT sha, path, line_start, line_end, author_kind, ai_tool FROM risk_new_ai_ranges;
