INSERT INTO core.release_commits BY NAME SELECT repo, release, sha FROM hs_release_commits
