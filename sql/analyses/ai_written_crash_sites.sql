-- The crash sites (file:line) written by an AI tool that failed most often, with the blamed commit.
SELECT fa.repo, fa.repo_path, fa.line, fa.function, fa.ai_tool, fa.ai_evidence, fa.commit_sha,
       count(*) AS events, min(e.ts) AS first_seen, max(e.ts) AS last_seen
FROM frame_attribution fa
JOIN events e USING (event_id)
WHERE fa.is_crash_site AND fa.ai_authored
GROUP BY fa.repo, fa.repo_path, fa.line, fa.function, fa.ai_tool, fa.ai_evidence, fa.commit_sha
ORDER BY events DESC
LIMIT 50;
