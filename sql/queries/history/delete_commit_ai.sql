-- Drop a repository's classification before it is recomputed (new marker set or new notes).
DELETE FROM core.commit_ai WHERE repo = $repo
