INSERT OR REPLACE INTO core.risk_szz_fixes (repo, fix_sha, status, blamed_lines, detail, processed_at)
SELECT repo, fix_sha, status, blamed_lines, detail, now()::TIMESTAMP FROM risk_szz_fixes_batch;
