-- Releases of the registered frame `hs_releases`; released_at = commit time of the revision.
INSERT INTO core.releases BY NAME
SELECT r.repo, r.release, r.version, r.tag, r.sha, c.committer_time AS released_at, r.service
FROM hs_releases AS r
LEFT JOIN core.commits AS c ON c.repo = r.repo AND c.sha = r.sha
