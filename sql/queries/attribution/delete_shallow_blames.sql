-- Cached blame lines of one repository ($1) that stopped at a shallow clone's boundary: blamed again
-- (deeper, when the history was deepened) the next time a frame needs them.
DELETE FROM core.blame_lines
WHERE repo = $1 AND commit_sha IN (SELECT sha FROM core.blame_commits WHERE repo = $1 AND shallow_boundary)
