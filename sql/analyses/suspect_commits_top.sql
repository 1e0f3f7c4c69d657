-- The top-ranked suspect commit of every cluster, who (or which AI tool) wrote it, and its fix commit if known.
SELECT s.cluster_id, s.cluster_title, s.commit_sha, s.subject, s.author_name, s.authored_at,
       s.ai_authored, s.ai_tool, s.score, s.method, s.fix_commit, c.event_count
FROM suspect_commits s
JOIN clusters c USING (cluster_id)
WHERE s.rank = 1
ORDER BY c.event_count DESC;
