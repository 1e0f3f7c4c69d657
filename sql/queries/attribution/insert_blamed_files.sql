-- Mark a batch of files as blamed ($attr_blamed_files) so they are never blamed again.
INSERT OR IGNORE INTO core.blamed_files (repo, revision, path, line_count, blamed_at)
SELECT repo, revision, path, line_count, now()::TIMESTAMP FROM attr_blamed_files
