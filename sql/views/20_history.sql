-- Stable analyst views of the code history stage (column reference: sql/reference/20_history.md).

-- One row per ingested commit, with its AI origin and the release that first shipped it.
CREATE OR REPLACE VIEW commits AS
SELECT
    c.repo, c.sha, c.parents, len(c.parents) > 1 AS is_merge,
    c.author_name, c.author_email, c.author_time,
    c.committer_name, c.committer_email, c.committer_time,
    c.subject, c.message, c.trailers,
    c.files_changed, c.lines_added, c.lines_deleted, c.degraded,
    coalesce(a.origin, 'unknown/human') AS ai_origin,
    coalesce(a.ai_authored, FALSE) AS ai_authored,
    a.ai_tool,
    fr.release AS first_release
FROM core.commits AS c
LEFT JOIN core.commit_ai AS a USING (repo, sha)
LEFT JOIN (
    SELECT rc.repo, rc.sha, arg_min(rc.release, r.released_at) AS release
    FROM core.release_commits AS rc JOIN core.releases AS r USING (repo, release)
    GROUP BY ALL
) AS fr USING (repo, sha);

-- One row per file changed by a commit (merges show no files: git attributes their changes to the merged commits).
CREATE OR REPLACE VIEW commit_files AS
SELECT
    f.repo, f.sha, f.path, f.old_path, f.change_type,
    f.added, f.deleted, f.added IS NULL AND f.degraded IS NULL AS is_binary, f.degraded,
    c.author_time, c.committer_time,
    coalesce(a.origin, 'unknown/human') AS ai_origin,
    a.ai_tool
FROM core.commit_files AS f
JOIN core.commits AS c USING (repo, sha)
LEFT JOIN core.commit_ai AS a USING (repo, sha);

-- One row per release, with how many commits (and AI-authored commits) it shipped first.
CREATE OR REPLACE VIEW releases AS
SELECT
    r.repo, r.release, r.service, r.version, r.tag,
    CASE WHEN r.tag IS NULL THEN 'release_table' ELSE 'tag' END AS source,
    r.sha, r.released_at,
    lag(r.release) OVER (PARTITION BY r.repo, coalesce(r.service, '') ORDER BY r.released_at, r.release)
        AS previous_release,
    coalesce(s.commits, 0) AS commits,
    coalesce(s.ai_authored_commits, 0) AS ai_authored_commits
FROM core.releases AS r
LEFT JOIN (
    SELECT rc.repo, rc.release, count(*) AS commits,
           count(*) FILTER (WHERE a.origin = 'ai_authored') AS ai_authored_commits
    FROM core.release_commits AS rc
    LEFT JOIN core.commit_ai AS a USING (repo, sha)
    GROUP BY ALL
) AS s USING (repo, release);

-- One row per commit with any AI marker: the tool, the kind and text of the evidence, and whether
-- the tool authored the change or only committed it.
CREATE OR REPLACE VIEW ai_commits AS
SELECT
    a.repo, a.sha, a.ai_tool AS tool, a.origin, a.ai_authored,
    a.origin = 'ai_committed_only' AS committed_only,
    a.evidence_kind, a.evidence, a.marker_id, a.all_evidence,
    c.author_name, c.author_email, c.committer_name, c.committer_email,
    c.author_time, c.committer_time, c.subject,
    c.files_changed, c.lines_added, c.lines_deleted,
    coalesce(l.ai_line_ranges, 0) AS ai_line_ranges
FROM core.commit_ai AS a
JOIN core.commits AS c USING (repo, sha)
LEFT JOIN (
    SELECT repo, sha, count(*) AS ai_line_ranges FROM core.ai_line_ranges WHERE author_kind = 'ai' GROUP BY ALL
) AS l USING (repo, sha)
WHERE a.origin <> 'unknown/human';
