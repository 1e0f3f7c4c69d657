-- Per repository, a digest of its ingested history (head, tips, releases, shallow boundary, how many
-- commits are degraded): when it changes, frames left unresolved for reasons new history can cure are
-- resolved again (a repaired clone changes only the last).
SELECT r.repo,
       md5(concat_ws('|', r.last_head, r.last_tips::VARCHAR, r.releases_digest, r.shallow_digest,
                     (SELECT count(*) FROM core.commits c WHERE c.repo = r.repo AND c.degraded IS NOT NULL)::VARCHAR))
           AS digest
FROM core.repositories r
