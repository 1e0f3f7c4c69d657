-- Forget the AI classification of some commits ($shas); they are classified again when re-ingested.
DELETE FROM core.commit_ai WHERE repo = $repo AND list_contains($shas, sha)
