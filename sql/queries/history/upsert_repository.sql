-- Remember a repository's configuration and where its ingest stopped.
INSERT INTO core.repositories
    (repo, path, default_branch, release_pattern, last_head, ingested_at, last_tips, notes_head, markers_digest, releases_digest, shallow_digest)
VALUES ($repo, $path, $default_branch, $release_pattern, $last_head, now()::TIMESTAMP, $last_tips, $notes_head, $markers_digest, $releases_digest, $shallow_digest)
ON CONFLICT (repo) DO UPDATE SET
    path = excluded.path,
    default_branch = excluded.default_branch,
    release_pattern = excluded.release_pattern,
    last_head = excluded.last_head,
    ingested_at = excluded.ingested_at,
    last_tips = excluded.last_tips,
    notes_head = excluded.notes_head,
    markers_digest = excluded.markers_digest,
    releases_digest = excluded.releases_digest,
    shallow_digest = excluded.shallow_digest
