DELETE FROM core.release_commits WHERE repo = $repo
