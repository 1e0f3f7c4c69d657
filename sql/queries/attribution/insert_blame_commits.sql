-- Author facts of blamed commits ($attr_blame_commits), first report wins.
INSERT OR IGNORE INTO core.blame_commits (repo, sha, author_name, author_time, summary)
SELECT DISTINCT ON (repo, sha) repo, sha, author_name, make_timestamp(author_time * 1000000), summary
FROM attr_blame_commits
