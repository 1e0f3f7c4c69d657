-- Commits of the registered batch `hs_commits` that are not stored yet.
INSERT INTO core.commits BY NAME
SELECT b.repo, b.sha, b.parents, b.author_name, b.author_email, b.author_time, b.committer_name,
       b.committer_email, b.committer_time, b.subject, b.message, b.trailers, b.files_changed,
       b.lines_added, b.lines_deleted, b.degraded
FROM hs_commits AS b
WHERE NOT EXISTS (SELECT 1 FROM core.commits AS c WHERE c.repo = b.repo AND c.sha = b.sha)
