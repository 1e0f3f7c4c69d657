-- Drop the first-shipped commits of the given releases (they are recomputed).
DELETE FROM core.release_commits WHERE repo = $repo AND list_contains($releases, release)
