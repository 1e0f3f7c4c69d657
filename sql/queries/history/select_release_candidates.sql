-- A repository's releases in the order resolve_release() tries them: explicit table entries first.
SELECT release, version, tag, sha, service
FROM core.releases
WHERE repo = $repo
ORDER BY tag IS NOT NULL, released_at DESC NULLS LAST
