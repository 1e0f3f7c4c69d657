-- Lines frame resolution just placed ($attr_placed_lines: repo, revision, path, line) in files an earlier
-- run blamed, that it did not blame: handed to git blame before the resolutions are written.
SELECT p.repo, p.revision, p.path, p.line
FROM attr_placed_lines p
WHERE NOT EXISTS (
    SELECT 1 FROM core.blame_lines b
    WHERE b.repo = p.repo AND b.revision = p.revision AND b.path = p.path AND b.line = p.line
)
