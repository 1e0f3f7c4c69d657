SELECT path FROM core.repositories WHERE repo = $repo
