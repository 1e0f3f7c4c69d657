-- Author facts of blamed commits ($attr_blame_commits), first report wins; a shallow clone's boundary
-- commit stays marked as such once any blame stopped there.
INSERT INTO core.blame_commits (repo, sha, author_name, author_time, summary, shallow_boundary)
SELECT DISTINCT ON (repo, sha) repo, sha, author_name, make_timestamp(author_time * 1000000), summary, shallow_boundary
FROM attr_blame_commits
ORDER BY repo, sha, shallow_boundary DESC
ON CONFLICT (repo, sha) DO UPDATE SET shallow_boundary = core.blame_commits.shallow_boundary OR excluded.shallow_boundary
