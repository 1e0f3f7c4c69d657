INSERT OR REPLACE INTO core.risk_pack_scans (repo, sha, pack_version, files, findings)
SELECT repo, sha, pack_version, files, findings FROM risk_scans_batch;
