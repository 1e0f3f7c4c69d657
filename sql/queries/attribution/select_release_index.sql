-- Known releases of the configured repositories (release string, version, revision).
SELECT repo, release, version, sha, released_at FROM core.releases
