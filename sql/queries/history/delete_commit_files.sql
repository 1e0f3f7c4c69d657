-- Forget the changed files of some commits ($shas), to ingest them again.
DELETE FROM core.commit_files WHERE repo = $repo AND list_contains($shas, sha)
