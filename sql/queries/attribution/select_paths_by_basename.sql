-- Every path the ingested history of one repository ever held with one of the given file names
-- ($1 repo, $2 basenames): the files whose content tells candidate revisions apart.
SELECT DISTINCT path FROM core.commit_files
WHERE repo = $1 AND list_contains($2, regexp_extract(path, '[^/]*$'))
ORDER BY path
