SELECT release, sha, released_at FROM core.releases WHERE repo = $repo ORDER BY released_at NULLS LAST, release
