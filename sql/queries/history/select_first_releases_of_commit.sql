-- The release that first shipped a commit (fallback of releases_of_commit when the repository is not on disk).
SELECT release FROM core.release_commits WHERE repo = $repo AND starts_with(sha, $prefix)
