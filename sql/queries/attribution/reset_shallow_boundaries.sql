-- Forget which blamed commits of one repository ($1) were a shallow clone's boundary (blame marks them again).
UPDATE core.blame_commits SET shallow_boundary = false WHERE repo = $1 AND shallow_boundary
