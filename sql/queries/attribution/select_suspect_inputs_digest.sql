-- A digest of everything suspect scores depend on; scores are recomputed only when it changes.
SELECT md5(concat_ws('|',
    (SELECT count(*) FROM core.frame_resolutions),
    (SELECT count(*) FROM core.frame_resolutions WHERE status = 'resolved'),
    (SELECT count(*) FROM core.blame_lines),
    (SELECT sum(hash(event_id, fingerprint) >> 16) FROM core.event_fingerprints),
    (SELECT sum(hash(signature, cluster_id) >> 16) FROM core.cluster_members),
    (SELECT sum(hash(cluster_id, status, merged_into) >> 16) FROM core.clusters),
    (SELECT sum(hash(repo, release, sha, released_at) >> 16) FROM core.releases),
    (SELECT count(*) FROM core.commits),
    (SELECT count(*) FROM core.commit_ai WHERE ai_authored),
    (SELECT count(*) FROM core.suspect_commit_scores),
    $settings))
