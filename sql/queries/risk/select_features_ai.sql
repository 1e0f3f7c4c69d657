-- Lines each target commit added per AI tool. A git-ai note decides line by line (its AI ranges,
-- intersected with the added lines of the -U0 hunks); without a note an AI-authored commit's added
-- lines all count for its tool. Committed-only AI evidence (e.g. aider as committer) counts nothing.
WITH t AS (
    SELECT c.sha, c.ai_authored, c.ai_tool FROM risk_src_commits AS c JOIN risk_targets USING (sha) WHERE NOT c.is_merge
),
noted AS (SELECT DISTINCT sha FROM risk_src_ai_ranges),
added AS (
    SELECT h.sha, h.path, h.new_start AS a, h.new_start + h.new_lines - 1 AS b
    FROM risk_src_hunks AS h JOIN noted USING (sha) WHERE h.new_lines > 0
),
by_note AS (
    SELECT a.sha, coalesce(r.ai_tool, 'generic') AS tool,
           sum(least(a.b, r.line_end) - greatest(a.a, r.line_start) + 1) AS lines
    FROM added AS a
    JOIN risk_src_ai_ranges AS r ON r.sha = a.sha AND r.path = a.path AND r.author_kind = 'ai'
         AND r.line_start <= a.b AND r.line_end >= a.a
    GROUP BY ALL
),
by_commit AS (
    SELECT t.sha, coalesce(t.ai_tool, 'generic') AS tool, sum(f.added) AS lines
    FROM t JOIN risk_src_files AS f USING (sha)
    WHERE t.ai_authored AND t.sha NOT IN (SELECT sha FROM noted)
    GROUP BY ALL
)
SELECT sha, tool, lines::DOUBLE AS lines FROM by_note
UNION ALL
SELECT sha, tool, lines::DOUBLE AS lines FROM by_commit;
