-- What the AI-origin classifier reads, for every stored commit of one repository.
SELECT repo, sha, author_name, author_email, committer_name, committer_email, message
FROM core.commits
WHERE repo = $repo
