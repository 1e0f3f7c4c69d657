-- Write suspect scores ($attr_suspects registered by the caller).
INSERT INTO core.suspect_commit_scores (cluster_id, repo, commit_sha, rank, score, method, evidence, fix_commit)
SELECT cluster_id, repo, commit_sha, rank, score, method, evidence::JSON, fix_commit FROM attr_suspects
