-- Known releases of one repository ($1), newest first: the candidates revision inference brackets or scans.
SELECT release, version, sha, released_at, service FROM core.releases WHERE repo = $1
ORDER BY released_at DESC NULLS LAST, release
