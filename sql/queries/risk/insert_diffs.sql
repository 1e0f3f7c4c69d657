INSERT OR REPLACE INTO core.risk_diffs (repo, sha, hunks, unreadable, read_at)
SELECT repo, sha, hunks, unreadable, now()::TIMESTAMP FROM risk_diffs_batch;
