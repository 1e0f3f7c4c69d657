-- Digest of everything stored that a repository's features and labels derive from (history, hunks, AI
-- origin, SZZ links, production suspects, pack findings). Equal digest => nothing to recompute.
SELECT md5(concat_ws('|',
    (SELECT count(*) || ':' || coalesce(max(committer_time)::VARCHAR, '') FROM core.commits WHERE repo = $repo),
    (SELECT coalesce(any_value(last_head), '') || ':' || coalesce(any_value(markers_digest), '') || ':'
            || coalesce(any_value(notes_head), '') FROM core.repositories WHERE repo = $repo),
    (SELECT count(*) || ':' || count(ai_tool) FROM core.commit_ai WHERE repo = $repo AND ai_authored),
    (SELECT count(*) FROM core.ai_line_ranges WHERE repo = $repo),
    (SELECT count(*) FROM core.risk_hunks WHERE repo = $repo),
    (SELECT count(*) || ':' || coalesce(sum(lines), 0) FROM core.risk_szz_links WHERE repo = $repo),
    (SELECT coalesce(string_agg(cluster_id || '>' || commit_sha, ',' ORDER BY cluster_id, commit_sha), '')
     FROM core.suspect_commit_scores WHERE repo = $repo AND rank = 1),
    (SELECT count(*) || ':' || coalesce(sum(findings), 0) FROM core.risk_pack_scans
     WHERE repo = $repo AND pack_version = $pack),
    coalesce($pack, '-'),
    $extra
)) AS digest;
