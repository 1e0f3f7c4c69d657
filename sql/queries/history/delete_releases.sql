DELETE FROM core.releases WHERE repo = $repo
