-- Per repository, a digest of its ingested history (head, tips, releases, shallow boundary): when it
-- changes, frames left unresolved for reasons new history can cure are resolved again.
SELECT repo, md5(concat_ws('|', last_head, last_tips::VARCHAR, releases_digest, shallow_digest)) AS digest
FROM core.repositories
