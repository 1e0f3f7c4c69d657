-- Commits of one repository (stored history plus the not-yet-ingested commits under review), with
-- the commit-level AI classification; `ord` orders them in time (committer time, then sha).
CREATE OR REPLACE TEMP TABLE risk_src_commits AS
WITH all_commits AS (
    SELECT c.sha, lower(coalesce(c.author_email, c.author_name, '')) AS author_key, c.committer_time AS committed_at,
           coalesce(c.message, c.subject, '') AS message, len(c.parents) > 1 AS is_merge,
           coalesce(ai.ai_authored, FALSE) AS ai_authored, ai.ai_tool
    FROM core.commits AS c
    LEFT JOIN core.commit_ai AS ai USING (repo, sha)
    WHERE c.repo = $repo AND c.sha NOT IN (SELECT sha FROM risk_new_commits)
    UNION ALL BY NAME
    SELECT sha, author_key, committed_at, message, is_merge, ai_authored, ai_tool FROM risk_new_commits
)
SELECT *, row_number() OVER (ORDER BY committed_at, sha) AS ord
FROM all_commits;
