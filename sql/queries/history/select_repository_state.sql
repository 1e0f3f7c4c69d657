-- Where the last ingest of one repository stopped (incremental ingest).
SELECT last_head, last_tips, notes_head, markers_digest, releases_digest, shallow_digest
FROM core.repositories
WHERE repo = $repo
