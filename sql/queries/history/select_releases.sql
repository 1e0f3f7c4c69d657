-- A repository's releases in the shape release_commits_delta() compares.
SELECT release, sha, service, released_at FROM core.releases WHERE repo = $repo
