-- One batch of blamed lines ($attr_blame_lines registered by the caller).
INSERT OR IGNORE INTO core.blame_lines (repo, revision, path, line, commit_sha, orig_path, orig_line)
SELECT repo, revision, path, line, commit_sha, orig_path, orig_line FROM attr_blame_lines
