-- Line ranges read from git-ai notes (registered frame `hs_ranges`).
INSERT INTO core.ai_line_ranges BY NAME
SELECT repo, sha, path, line_start, line_end, author_kind, ai_tool, session_key FROM hs_ranges
