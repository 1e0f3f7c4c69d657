INSERT OR REPLACE INTO core.risk_szz_links (repo, fix_sha, inducing_sha, path, lines)
SELECT repo, fix_sha, inducing_sha, path, lines FROM risk_szz_links_batch;
