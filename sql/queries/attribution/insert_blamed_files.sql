-- Record that lines of a batch of files were blamed ($attr_blamed_files); line_count adds up over runs.
INSERT INTO core.blamed_files (repo, revision, path, line_count, blamed_at)
SELECT repo, revision, path, line_count, now()::TIMESTAMP FROM attr_blamed_files
ON CONFLICT (repo, revision, path) DO UPDATE
SET line_count = core.blamed_files.line_count + excluded.line_count, blamed_at = excluded.blamed_at
