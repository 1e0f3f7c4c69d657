-- Stage 4 views: from crashing frames to the commits (and AI tools) that wrote them.
-- Column reference: sql/reference/40_attribution.md.

-- Events with the cluster they belong to (a merged cluster counts toward the cluster it merged into).
CREATE OR REPLACE VIEW attribution_cluster_events AS
SELECT DISTINCT ef.event_id, COALESCE(c.merged_into, c.cluster_id) AS cluster_id
FROM core.event_fingerprints ef
JOIN core.cluster_members m ON m.signature = ef.fingerprint
JOIN core.clusters c ON c.cluster_id = m.cluster_id;

-- Every processed frame: where it ran, the commit that last wrote its line (blame -w at the revision),
-- and who wrote that line. Line-level git-ai notes win over commit-level AI markers.
CREATE OR REPLACE VIEW frame_attribution AS
WITH fr AS (
    SELECT f.event_id, f.exception_index, f.frame_index, f.function, f.in_app,
           r.repo, r.revision, r.revision_source, r.revision_how, r.revision_agreeing, r.repo_path, r.line, r.verified,
           r.detail,
           COALESCE(r.status, 'pending') AS status, r.reason,
           COALESCE(x.is_main, f.exception_index = max(f.exception_index) OVER (PARTITION BY f.event_id)) AS in_main_exception
    FROM core.frames f
    LEFT JOIN core.frame_resolutions r USING (event_id, exception_index, frame_index)
    LEFT JOIN core.exceptions x USING (event_id, exception_index)
),
site AS (  -- crash site: innermost frame of the main exception placed in the repository, else innermost in-app frame
    SELECT event_id, exception_index,
           COALESCE(max(frame_index) FILTER (WHERE status = 'resolved'),
                    max(frame_index) FILTER (WHERE in_app)) AS site_index
    FROM fr
    WHERE in_main_exception
    GROUP BY ALL
),
line_ai AS (  -- git-ai verdict on blamed lines covered by a note range (in the file at the blamed commit)
    SELECT b.repo, b.revision, b.path, b.line,
           CASE WHEN bool_or(a.author_kind = 'ai') THEN 'ai' ELSE 'human' END AS author_kind,
           arg_max(a.ai_tool, a.line_start) FILTER (WHERE a.author_kind = 'ai') AS ai_tool
    FROM core.blame_lines b
    JOIN core.ai_line_ranges a
      ON a.repo = b.repo AND a.sha = b.commit_sha AND a.path = b.orig_path
     AND b.orig_line BETWEEN a.line_start AND a.line_end
    GROUP BY ALL
),
blamed AS (
    SELECT fr.*, b.commit_sha, b.orig_path, b.orig_line, la.author_kind AS line_author_kind, la.ai_tool AS line_ai_tool
    FROM fr
    LEFT JOIN core.blame_lines b
           ON b.repo = fr.repo AND b.revision = fr.revision AND b.path = fr.repo_path AND b.line = fr.line
    LEFT JOIN line_ai la
           ON la.repo = b.repo AND la.revision = b.revision AND la.path = b.path AND la.line = b.line
)
SELECT bl.event_id, bl.exception_index, bl.frame_index, bl.repo, bl.revision, bl.revision_source,
       bl.revision_how, bl.revision_agreeing, bl.revision_how = 'inferred' AS revision_inferred,
       bl.repo_path, bl.line, bl.function, bl.commit_sha, bl.orig_path, bl.orig_line,
       COALESCE(c.author_name, bc.author_name) AS author_name,
       COALESCE(c.author_time, bc.author_time) AS authored_at,
       CASE WHEN bl.commit_sha IS NULL THEN NULL
            WHEN bl.line_author_kind IS NOT NULL THEN bl.line_author_kind = 'ai'
            ELSE COALESCE(ca.ai_authored, false) END AS ai_authored,
       CASE WHEN bl.line_author_kind = 'ai' THEN COALESCE(bl.line_ai_tool, ca.ai_tool, 'generic')
            WHEN bl.line_author_kind IS NULL AND ca.ai_authored THEN ca.ai_tool END AS ai_tool,
       CASE WHEN bl.commit_sha IS NULL THEN NULL
            WHEN bl.line_author_kind = 'ai' THEN 'ai_line'
            WHEN bl.line_author_kind IS NOT NULL THEN 'human_line'
            ELSE COALESCE(ca.origin, 'unknown/human') END AS ai_origin,
       CASE WHEN bl.line_author_kind IS NOT NULL THEN 'git_ai_note'
            WHEN ca.ai_authored OR ca.origin = 'ai_committed_only' THEN 'commit_marker' END AS ai_evidence,
       bl.status, bl.reason, bl.detail, bl.verified,
       COALESCE(bl.frame_index = s.site_index AND bl.exception_index = s.exception_index, false) AS is_crash_site,
       bl.in_main_exception
FROM blamed bl
LEFT JOIN site s ON s.event_id = bl.event_id AND s.exception_index = bl.exception_index
LEFT JOIN core.commit_ai ca ON ca.repo = bl.repo AND ca.sha = bl.commit_sha
LEFT JOIN core.commits c ON c.repo = bl.repo AND c.sha = bl.commit_sha
LEFT JOIN core.blame_commits bc ON bc.repo = bl.repo AND bc.sha = bl.commit_sha;

-- Ranked suspect commits per cluster, with who wrote them.
CREATE OR REPLACE VIEW suspect_commits AS
SELECT s.cluster_id, cl.title AS cluster_title, s.rank, s.repo, s.commit_sha, s.score, s.method, s.fix_commit,
       COALESCE(c.author_name, bc.author_name) AS author_name,
       COALESCE(c.author_time, bc.author_time) AS authored_at,
       COALESCE(c.subject, bc.summary) AS subject,
       COALESCE(ca.ai_authored, false) AS ai_authored, ca.ai_tool, COALESCE(ca.origin, 'unknown/human') AS ai_origin,
       s.evidence
FROM core.suspect_commit_scores s
LEFT JOIN core.clusters cl ON cl.cluster_id = s.cluster_id
LEFT JOIN core.commits c ON c.repo = s.repo AND c.sha = s.commit_sha
LEFT JOIN core.blame_commits bc ON bc.repo = s.repo AND bc.sha = s.commit_sha
LEFT JOIN core.commit_ai ca ON ca.repo = s.repo AND ca.sha = s.commit_sha;

-- Per cluster: how much of it AI wrote, by events and by distinct crash sites, and by tool.
-- Shares are over events / crash sites whose crash-site line was blamed ('attributed').
CREATE OR REPLACE VIEW cluster_attribution AS
WITH per_event AS (
    SELECT ce.cluster_id, ce.event_id, fa.commit_sha, fa.ai_authored,
           CASE WHEN fa.commit_sha IS NULL THEN NULL
                ELSE [fa.repo, fa.commit_sha, fa.orig_path, fa.orig_line::VARCHAR] END AS crash_site,
           CASE WHEN fa.ai_authored THEN fa.ai_tool WHEN fa.commit_sha IS NOT NULL THEN 'unknown/human' END AS author_tool
    FROM attribution_cluster_events ce
    LEFT JOIN frame_attribution fa ON fa.event_id = ce.event_id AND fa.is_crash_site
),
totals AS (
    SELECT cluster_id,
           count(DISTINCT event_id) AS events,
           count(DISTINCT event_id) FILTER (WHERE commit_sha IS NOT NULL) AS attributed_events,
           count(DISTINCT event_id) FILTER (WHERE ai_authored) AS ai_events,
           count(DISTINCT crash_site) AS crash_sites,
           count(DISTINCT crash_site) FILTER (WHERE ai_authored) AS ai_crash_sites
    FROM per_event GROUP BY cluster_id
),
by_tool AS (
    SELECT cluster_id, author_tool, count(DISTINCT event_id) AS events, count(DISTINCT crash_site) AS crash_sites
    FROM per_event WHERE author_tool IS NOT NULL GROUP BY ALL
),
tools AS (
    SELECT b.cluster_id,
           list({'tool': b.author_tool, 'events': b.events,
                 'event_share': round(b.events / t.attributed_events, 4),
                 'crash_sites': b.crash_sites,
                 'site_share': round(b.crash_sites / nullif(t.crash_sites, 0), 4)}
                ORDER BY b.events DESC, b.author_tool) AS by_tool,
           arg_max(b.author_tool, b.events) AS dominant_tool
    FROM by_tool b JOIN totals t USING (cluster_id) GROUP BY b.cluster_id
)
SELECT t.cluster_id, cl.title, cl.failure_class, t.events, t.attributed_events, t.ai_events,
       round(t.ai_events / nullif(t.attributed_events, 0), 4) AS ai_event_share,
       t.crash_sites, t.ai_crash_sites,
       round(t.ai_crash_sites / nullif(t.crash_sites, 0), 4) AS ai_site_share,
       tl.dominant_tool, tl.by_tool,
       sc.commit_sha AS top_suspect, sc.method AS top_suspect_method, sc.fix_commit
FROM totals t
LEFT JOIN core.clusters cl ON cl.cluster_id = t.cluster_id
LEFT JOIN tools tl ON tl.cluster_id = t.cluster_id
LEFT JOIN core.suspect_commit_scores sc ON sc.cluster_id = t.cluster_id AND sc.rank = 1;

-- Per repository and author tool ('unknown/human' for code without an AI marker): failures per 1,000
-- lines added. A failure is a cluster whose crash sites were mostly written by that tool
-- (cluster_attribution.dominant_tool). Lines: lines added by that tool's commits (git-ai line ranges
-- split a commit's lines between AI and human) in the same period and paths: commits authored between
-- the oldest blamed crash-site commit and the newest revision events ran, in files frames ran.
CREATE OR REPLACE VIEW ai_failure_rates AS
WITH sites AS (
    SELECT fa.repo, fa.event_id, fa.commit_sha, fa.authored_at,
           CASE WHEN fa.ai_authored THEN fa.ai_tool ELSE 'unknown/human' END AS tool,
           [fa.commit_sha, fa.orig_path, fa.orig_line::VARCHAR] AS crash_site
    FROM frame_attribution fa WHERE fa.is_crash_site AND fa.commit_sha IS NOT NULL
),
cluster_repo AS (
    SELECT ce.cluster_id, any_value(s.repo) AS repo FROM attribution_cluster_events ce JOIN sites s USING (event_id) GROUP BY 1
),
failures AS (
    SELECT cr.repo, ca.dominant_tool AS tool, count(*) AS clusters, sum(ca.attributed_events) AS cluster_events
    FROM cluster_attribution ca JOIN cluster_repo cr USING (cluster_id)
    WHERE ca.dominant_tool IS NOT NULL GROUP BY ALL
),
site_counts AS (
    SELECT repo, tool, count(DISTINCT event_id) AS events, count(DISTINCT crash_site) AS crash_sites
    FROM sites GROUP BY ALL
),
scope AS (
    SELECT s.repo, min(s.authored_at) AS period_start,
           (SELECT max(COALESCE(c.committer_time, c.author_time)) FROM core.commits c
             WHERE c.repo = s.repo AND c.sha IN (SELECT revision FROM core.frame_resolutions WHERE repo = s.repo)) AS period_end
    FROM sites s GROUP BY s.repo
),
paths AS (
    SELECT DISTINCT repo, repo_path AS path FROM core.frame_resolutions WHERE status = 'resolved'
),
commit_lines AS (  -- lines added per commit inside the scope, with the commit's tool
    SELECT cf.repo, cf.sha, cf.path, sum(cf.added) AS added,
           CASE WHEN any_value(ca.ai_authored) THEN any_value(ca.ai_tool) ELSE 'unknown/human' END AS commit_tool
    FROM core.commit_files cf
    JOIN paths p ON p.repo = cf.repo AND p.path = cf.path
    JOIN core.commits c ON c.repo = cf.repo AND c.sha = cf.sha
    JOIN scope sc ON sc.repo = cf.repo
    LEFT JOIN core.commit_ai ca ON ca.repo = cf.repo AND ca.sha = cf.sha
    WHERE c.author_time >= sc.period_start AND (sc.period_end IS NULL OR c.author_time <= sc.period_end)
    GROUP BY cf.repo, cf.sha, cf.path
),
ai_ranges AS (  -- git-ai lines per commit, file and tool
    SELECT repo, sha, path, COALESCE(ai_tool, 'generic') AS tool, sum(line_end - line_start + 1) AS lines
    FROM core.ai_line_ranges WHERE author_kind = 'ai' GROUP BY ALL
),
split AS (
    SELECT cl.repo, cl.sha, a.tool, least(a.lines, cl.added) AS lines
    FROM commit_lines cl JOIN ai_ranges a ON a.repo = cl.repo AND a.sha = cl.sha AND a.path = cl.path
    UNION ALL
    SELECT cl.repo, cl.sha, cl.commit_tool,
           greatest(cl.added - COALESCE((SELECT sum(a.lines) FROM ai_ranges a
                                         WHERE a.repo = cl.repo AND a.sha = cl.sha AND a.path = cl.path), 0), 0)
    FROM commit_lines cl
),
lines AS (
    SELECT repo, tool, sum(lines) AS lines_added, count(DISTINCT sha) FILTER (WHERE lines > 0) AS commits
    FROM split GROUP BY ALL
),
tools AS (
    SELECT repo, tool FROM failures UNION SELECT repo, tool FROM lines UNION SELECT repo, tool FROM site_counts
)
SELECT t.repo, t.tool,
       COALESCE(f.clusters, 0) AS failures,
       COALESCE(sc.events, 0) AS events,
       COALESCE(sc.crash_sites, 0) AS crash_sites,
       COALESCE(l.commits, 0) AS commits,
       COALESCE(l.lines_added, 0) AS lines_added,
       round(1000.0 * COALESCE(f.clusters, 0) / nullif(l.lines_added, 0), 3) AS failures_per_kloc,
       round(1000.0 * COALESCE(sc.events, 0) / nullif(l.lines_added, 0), 3) AS events_per_kloc,
       s.period_start, s.period_end
FROM tools t
LEFT JOIN failures f ON f.repo = t.repo AND f.tool = t.tool
LEFT JOIN site_counts sc ON sc.repo = t.repo AND sc.tool = t.tool
LEFT JOIN lines l ON l.repo = t.repo AND l.tool = t.tool
LEFT JOIN scope s ON s.repo = t.repo;

-- Per release: clusters first seen on it and the commits that introduced them (top suspect).
CREATE OR REPLACE VIEW release_attribution AS
WITH event_rev AS (
    SELECT event_id, any_value(repo) AS repo, any_value(revision) AS revision
    FROM core.frame_resolutions WHERE revision_source = 'release' GROUP BY event_id
),
first_rev AS (
    SELECT ce.cluster_id, arg_min(er.repo, e.ts) AS repo, arg_min(er.revision, e.ts) AS revision, min(e.ts) AS first_seen
    FROM attribution_cluster_events ce
    JOIN core.events e USING (event_id)
    JOIN event_rev er USING (event_id)
    GROUP BY ce.cluster_id
),
new_clusters AS (
    SELECT r.repo, r.release, fr.cluster_id, fr.first_seen, sc.commit_sha,
           COALESCE(ca.ai_authored, false) AS ai_authored, ca.ai_tool,
           EXISTS (SELECT 1 FROM core.release_commits rc
                   WHERE rc.repo = r.repo AND rc.release = r.release AND rc.sha = sc.commit_sha) AS shipped_in_release
    FROM first_rev fr
    JOIN core.releases r ON r.repo = fr.repo AND r.sha = fr.revision
    LEFT JOIN core.suspect_commit_scores sc ON sc.cluster_id = fr.cluster_id AND sc.rank = 1
    LEFT JOIN core.commit_ai ca ON ca.repo = sc.repo AND ca.sha = sc.commit_sha
)
SELECT r.repo, r.release, r.released_at, r.sha AS revision,
       count(n.cluster_id) AS new_clusters,
       count(n.cluster_id) FILTER (WHERE n.ai_authored) AS ai_introduced,
       list({'cluster_id': n.cluster_id, 'first_seen': n.first_seen, 'commit_sha': n.commit_sha,
             'ai_tool': n.ai_tool, 'shipped_in_release': n.shipped_in_release} ORDER BY n.first_seen)
           FILTER (WHERE n.cluster_id IS NOT NULL) AS introduced_by
FROM core.releases r
LEFT JOIN new_clusters n ON n.repo = r.repo AND n.release = r.release
GROUP BY ALL;
