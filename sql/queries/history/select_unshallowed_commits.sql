-- Stored commits that were a shallow clone's boundary ($shallow: the boundary now) and no longer are:
-- their parents arrived, so their real changes can be read (they are deleted and ingested again).
SELECT sha FROM core.commits
WHERE repo = $repo AND degraded = 'shallow_boundary' AND NOT list_contains($shallow, sha)
