-- Forget some commits of one repository ($shas), to ingest them again.
DELETE FROM core.commits WHERE repo = $repo AND list_contains($shas, sha)
