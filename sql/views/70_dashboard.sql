-- Dashboard figures (schema main): ONE definition per figure the dashboard shows, shared by every page and
-- table that shows it, and open to analysts (`hindsight sql`). Column reference: sql/reference/70_dashboard.md.
--
-- The filters of the dashboard are the parameters of the table macros below: a time range
-- [start_ts, end_ts) and four lists (empty = no filter): services, environments, releases, and authors of
-- the crashing line (an AI tool, or 'unknown/human' for a line without an AI marker).
-- The published snapshot (models/warehouse/snapshot.py) stores `failure_events` as a table with the same
-- name and rows, so these macros read precomputed rows there and the live views everywhere else.

-- Wilson score interval of a proportion k/n (95% with z = 1.96); NULL when n = 0.
CREATE OR REPLACE MACRO wilson_low(k, n, z := 1.96) AS
    CASE WHEN n > 0 THEN
        (k::DOUBLE / n + z * z / (2.0 * n)
         - z * sqrt((k::DOUBLE / n) * (1 - k::DOUBLE / n) / n + z * z / (4.0 * n * n))) / (1 + z * z / n)
    END;

CREATE OR REPLACE MACRO wilson_high(k, n, z := 1.96) AS
    CASE WHEN n > 0 THEN
        (k::DOUBLE / n + z * z / (2.0 * n)
         + z * sqrt((k::DOUBLE / n) * (1 - k::DOUBLE / n) / n + z * z / (4.0 * n * n))) / (1 + z * z / n)
    END;

-- One row per failure occurrence: every error event, plus every clustered error log record that did not
-- become an event (as cluster_daily counts them). With its pattern, the request it hit, its crash site and
-- who wrote the crashing line.
CREATE OR REPLACE VIEW failure_events AS
WITH site AS (
    SELECT event_id, repo, repo_path, line, commit_sha, orig_path, orig_line,
           CASE WHEN commit_sha IS NULL THEN NULL
                WHEN ai_authored THEN coalesce(ai_tool, 'generic')
                ELSE 'unknown/human' END AS author
    FROM frame_attribution
    WHERE is_crash_site
    QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY exception_index DESC, frame_index DESC) = 1
)
SELECT 'event' AS kind, e.event_id AS occurrence_id, e.ts, e.service, e.environment, e.release,
       coalesce(e.trace_id, 'event:' || e.event_id) AS request_id,
       ce.cluster_id, s.repo, s.repo_path AS crash_path, s.line AS crash_line, s.commit_sha,
       CASE WHEN s.commit_sha IS NOT NULL
            THEN s.repo || ':' || s.commit_sha || ':' || s.orig_path || ':' || s.orig_line END AS written_line,
       s.author
FROM core.events e
LEFT JOIN (SELECT event_id, any_value(cluster_id) AS cluster_id FROM cluster_events GROUP BY event_id) ce
       USING (event_id)
LEFT JOIN site s USING (event_id)
UNION ALL
SELECT 'log_record', r.record_id, r.ts, r.service, NULL, NULL, coalesce(r.trace_id, 'log:' || r.record_id),
       cl.cluster_id, NULL, NULL, NULL, NULL, NULL, NULL
FROM cluster_log_records cl
JOIN core.log_records r USING (record_id)
WHERE cl.event_id IS NULL AND r.ts IS NOT NULL;

-- The occurrences the dashboard's filters select.
CREATE OR REPLACE MACRO filtered_failures(start_ts, end_ts, services, environments, releases, authors) AS TABLE
SELECT *
FROM failure_events
WHERE ts >= start_ts AND ts < end_ts
  AND (len(services) = 0 OR list_contains(services, service))
  AND (len(environments) = 0 OR list_contains(environments, environment))
  AND (len(releases) = 0 OR list_contains(releases, release))
  AND (len(authors) = 0 OR list_contains(authors, author));

-- One row per incident, with its distinct linked clusters (incident_clusters has one row per evidence).
CREATE OR REPLACE VIEW incident_summary AS
SELECT i.incident_id, i.title, i.severity, i.severity_rank, i.status, i.started_at, i.resolved_at,
       i.resolved_at IS NULL AS ongoing, i.duration_minutes, i.services, i.url,
       count(DISTINCT l.cluster_id) AS linked_clusters,
       coalesce(list(DISTINCT l.cluster_id ORDER BY l.cluster_id) FILTER (WHERE l.cluster_id IS NOT NULL),
                []::VARCHAR[]) AS cluster_ids
FROM incidents i
LEFT JOIN incident_clusters l USING (incident_id)
GROUP BY ALL;

-- One row per (incident, cluster): every kind of evidence that links them, and the strongest confidence.
CREATE OR REPLACE VIEW incident_cluster_evidence AS
SELECT incident_id, cluster_id, any_value(incident_title) AS incident_title, any_value(severity) AS severity,
       any_value(started_at) AS started_at, any_value(resolved_at) AS resolved_at,
       any_value(cluster_title) AS cluster_title, any_value(failure_class) AS failure_class,
       list(DISTINCT evidence ORDER BY evidence) AS evidence, max(confidence) AS confidence
FROM incident_clusters
GROUP BY incident_id, cluster_id;

-- Incidents that overlap [start_ts, end_ts) and, when services are given, touch one of them (or name none).
CREATE OR REPLACE MACRO incidents_in_period(start_ts, end_ts, wanted_services) AS TABLE
SELECT *
FROM incident_summary
WHERE started_at < end_ts AND coalesce(resolved_at, end_ts) >= start_ts
  AND (len(wanted_services) = 0 OR len(coalesce(services, [])) = 0
       OR len(list_intersect(services, wanted_services)) > 0);

-- Incidents of the selection: those of the period and services; with an environment, release or author filter,
-- only those linked to a pattern that has selected occurrences (incidents carry none of these themselves).
CREATE OR REPLACE MACRO incidents_in_selection(start_ts, end_ts, wanted_services, environments, releases, authors)
AS TABLE
SELECT *
FROM incidents_in_period(start_ts, end_ts, wanted_services) i
WHERE (len(environments) = 0 AND len(releases) = 0 AND len(authors) = 0)
   OR EXISTS (SELECT 1 FROM incident_clusters l
              WHERE l.incident_id = i.incident_id
                AND l.cluster_id IN (SELECT cluster_id FROM filtered_failures(start_ts, end_ts, wanted_services,
                                                                              environments, releases, authors)));

-- What each failure pattern (cluster) costs in the period, ranked: affected requests first (an event seen
-- both by Sentry and in a log line is one request), then incidents, then events. `trend` compares the last
-- `trend_days` days before end_ts with the `trend_days` before those (they may reach before start_ts).
CREATE OR REPLACE MACRO failure_patterns(start_ts, end_ts, services, environments, releases, authors,
                                         trend_days := 7) AS TABLE
WITH f AS (
    SELECT *
    FROM filtered_failures(least(start_ts, end_ts - to_days(2 * trend_days)), end_ts,
                           services, environments, releases, authors)
    WHERE cluster_id IS NOT NULL
),
per_cluster AS (
    SELECT cluster_id,
           count(*) FILTER (WHERE ts >= start_ts) AS events,
           count(DISTINCT request_id) FILTER (WHERE ts >= start_ts) AS requests,
           count(DISTINCT service) FILTER (WHERE ts >= start_ts) AS services,
           list(DISTINCT service ORDER BY service) FILTER (WHERE ts >= start_ts AND service IS NOT NULL)
               AS service_list,
           count(*) FILTER (WHERE ts >= end_ts - to_days(trend_days)) AS recent_events,
           count(*) FILTER (WHERE ts >= end_ts - to_days(2 * trend_days) AND ts < end_ts - to_days(trend_days))
               AS previous_events,
           count(*) FILTER (WHERE ts >= start_ts AND author IS NOT NULL) AS blamed_events,
           max(ts) FILTER (WHERE ts >= start_ts) AS last_seen
    FROM f
    GROUP BY cluster_id
),
by_author AS (
    SELECT cluster_id, author, count(*) AS n
    FROM f WHERE ts >= start_ts AND author IS NOT NULL
    GROUP BY ALL
),
top_author AS (
    SELECT cluster_id, first(author ORDER BY n DESC, author) AS author, max(n) AS n
    FROM by_author GROUP BY cluster_id
),
inc AS (
    SELECT l.cluster_id, count(DISTINCT l.incident_id) AS incidents
    FROM incidents_in_period(start_ts, end_ts, services) i
    JOIN incident_clusters l USING (incident_id)
    GROUP BY l.cluster_id
)
SELECT row_number() OVER (ORDER BY p.requests DESC, coalesce(inc.incidents, 0) DESC, p.events DESC,
                                   p.cluster_id) AS cost_rank,
       p.cluster_id, c.title, c.failure_class,
       p.events, p.requests, coalesce(inc.incidents, 0) AS incidents, p.services, p.service_list,
       p.recent_events, p.previous_events, p.recent_events - p.previous_events AS trend,
       round((p.recent_events - p.previous_events) / nullif(p.previous_events, 0), 4) AS trend_ratio,
       p.blamed_events, ta.author AS top_author, round(ta.n / nullif(p.blamed_events, 0), 4) AS top_author_share,
       c.first_seen, p.last_seen, c.first_seen >= start_ts AS is_new
FROM per_cluster p
JOIN clusters c USING (cluster_id)
LEFT JOIN inc USING (cluster_id)
LEFT JOIN top_author ta USING (cluster_id)
WHERE p.events > 0;

-- Occurrences per pattern and day (the cost-over-time chart, the clusters' sparklines). An empty
-- `cluster_ids` list means every pattern.
CREATE OR REPLACE MACRO pattern_daily(start_ts, end_ts, services, environments, releases, authors, cluster_ids)
AS TABLE
SELECT cluster_id, ts::DATE AS day, count(*) AS events, count(DISTINCT request_id) AS requests
FROM filtered_failures(start_ts, end_ts, services, environments, releases, authors)
WHERE cluster_id IS NOT NULL AND (len(cluster_ids) = 0 OR list_contains(cluster_ids, cluster_id))
GROUP BY ALL;

-- Who wrote the crashing lines, and how often a written line fails: failing lines (distinct lines as their
-- author wrote them: repo, commit, path, line) per 1,000 lines written, with a 95% Wilson interval. Lines
-- written = `ai_failure_rates.lines_added` (lines the author added to files that ran in production, in the
-- attribution period). Authors with fewer than `min_lines` lines written are listed but not ranked.
-- `by_kind` folds every AI tool into one row, 'AI (any tool)'.
CREATE OR REPLACE MACRO author_failure_rates(start_ts, end_ts, services, environments, releases, authors,
                                             by_kind := false, min_lines := 100) AS TABLE
WITH f AS (
    SELECT CASE WHEN by_kind AND author <> 'unknown/human' THEN 'AI (any tool)' ELSE author END AS author_group, *
    FROM filtered_failures(start_ts, end_ts, services, environments, releases, authors)
    WHERE author IS NOT NULL
),
failing AS (
    SELECT author_group, count(*) AS events, count(DISTINCT request_id) AS requests,
           count(DISTINCT cluster_id) AS patterns, count(DISTINCT written_line) AS failing_lines,
           count(DISTINCT repo || ':' || commit_sha) AS blamed_commits
    FROM f GROUP BY author_group
),
exposure AS (
    SELECT CASE WHEN by_kind AND coalesce(tool, 'generic') <> 'unknown/human' THEN 'AI (any tool)'
                ELSE coalesce(tool, 'generic') END AS author_group,
           sum(lines_added)::BIGINT AS lines_written, sum(commits)::BIGINT AS commits_adding_lines
    FROM ai_failure_rates
    WHERE len(authors) = 0 OR list_contains(authors, coalesce(tool, 'generic'))
    GROUP BY 1
),
joined AS (
    SELECT coalesce(fl.author_group, x.author_group) AS author,
           coalesce(fl.events, 0) AS events, coalesce(fl.requests, 0) AS requests,
           coalesce(fl.patterns, 0) AS patterns, coalesce(fl.failing_lines, 0) AS failing_lines,
           coalesce(fl.blamed_commits, 0) AS blamed_commits,
           coalesce(x.lines_written, 0) AS lines_written, coalesce(x.commits_adding_lines, 0) AS commits_adding_lines
    FROM failing fl FULL JOIN exposure x USING (author_group)
)
SELECT author, author <> 'unknown/human' AS is_ai, events, requests, patterns, failing_lines, blamed_commits,
       lines_written, commits_adding_lines,
       round(1000.0 * failing_lines / nullif(lines_written, 0), 2) AS failing_lines_per_kloc,
       round(1000 * wilson_low(least(failing_lines, lines_written), lines_written), 2) AS ci_low_per_kloc,
       round(1000 * wilson_high(least(failing_lines, lines_written), lines_written), 2) AS ci_high_per_kloc,
       lines_written >= min_lines AS ranked,
       CASE WHEN lines_written >= min_lines
            THEN row_number() OVER (PARTITION BY lines_written >= min_lines
                                    ORDER BY failing_lines / nullif(lines_written, 0) DESC, author) END AS rate_rank
FROM joined;

-- The same rate per file of the repository: failing lines per 1,000 lines ever added to the file
-- (core.commit_files), Wilson interval; files with fewer than `min_lines` lines added are listed, not ranked.
CREATE OR REPLACE MACRO file_failure_rates(start_ts, end_ts, services, environments, releases, authors,
                                           min_lines := 100) AS TABLE
WITH failing AS (
    SELECT repo, crash_path AS path, count(*) AS events, count(DISTINCT request_id) AS requests,
           count(DISTINCT cluster_id) AS patterns, count(DISTINCT written_line) AS failing_lines,
           list(DISTINCT author ORDER BY author) AS authors
    FROM filtered_failures(start_ts, end_ts, services, environments, releases, authors)
    WHERE author IS NOT NULL AND crash_path IS NOT NULL
    GROUP BY ALL
),
lines AS (
    SELECT cf.repo, cf.path, sum(cf.added)::BIGINT AS lines_written
    FROM core.commit_files cf JOIN failing f ON f.repo = cf.repo AND f.path = cf.path
    GROUP BY ALL
)
SELECT f.repo, f.path, f.events, f.requests, f.patterns, f.failing_lines, f.authors,
       coalesce(l.lines_written, 0) AS lines_written,
       round(1000.0 * f.failing_lines / nullif(l.lines_written, 0), 2) AS failing_lines_per_kloc,
       round(1000 * wilson_low(least(f.failing_lines, l.lines_written), l.lines_written), 2) AS ci_low_per_kloc,
       round(1000 * wilson_high(least(f.failing_lines, l.lines_written), l.lines_written), 2) AS ci_high_per_kloc,
       coalesce(l.lines_written, 0) >= min_lines AS ranked,
       CASE WHEN coalesce(l.lines_written, 0) >= min_lines
            THEN row_number() OVER (PARTITION BY coalesce(l.lines_written, 0) >= min_lines
                                    ORDER BY f.failing_lines / nullif(l.lines_written, 0) DESC, f.repo, f.path)
       END AS rate_rank
FROM failing f
LEFT JOIN lines l USING (repo, path);

-- Release over release: what each release's occurrences cost while it was the newest release. Releases are
-- ordered by `releases.released_at`, else by their first occurrence; `hours_live` is how long the release
-- was the newest one inside the period (until the next release, else until the last occurrence).
CREATE OR REPLACE MACRO release_health(start_ts, end_ts, services, environments, releases, authors) AS TABLE
WITH f AS (
    SELECT * FROM filtered_failures(start_ts, end_ts, services, environments, releases, authors)
    WHERE release IS NOT NULL
),
known AS (SELECT release, min(released_at) AS released_at FROM main.releases GROUP BY release),
per_release AS (
    SELECT release, min(ts) AS first_seen, max(ts) AS last_seen, count(*) AS events,
           count(DISTINCT request_id) AS requests, count(DISTINCT cluster_id) AS patterns,
           count(*) FILTER (WHERE author IS NOT NULL) AS blamed_events,
           count(*) FILTER (WHERE author IS NOT NULL AND author <> 'unknown/human') AS ai_events
    FROM f GROUP BY release
),
first_release AS (  -- the release each pattern was first seen on, in the selected occurrences
    SELECT cluster_id, arg_min(release, ts) AS release FROM f WHERE cluster_id IS NOT NULL GROUP BY cluster_id
),
ordered AS (
    SELECT p.*, coalesce(k.released_at, p.first_seen) AS released_at,
           row_number() OVER w AS release_order,
           lag(p.release) OVER w AS previous_release,
           lead(coalesce(k.released_at, p.first_seen)) OVER w AS next_released_at
    FROM per_release p LEFT JOIN known k USING (release)
    WINDOW w AS (ORDER BY coalesce(k.released_at, p.first_seen), p.release)
),
live AS (
    SELECT o.*,
           greatest(date_diff('second', greatest(o.released_at, start_ts),
                              least(coalesce(o.next_released_at, (SELECT max(ts) FROM f)), end_ts)) / 3600.0,
                    1.0) AS hours_live
    FROM ordered o
)
SELECT l.release_order, l.release, l.released_at, l.previous_release, l.first_seen, l.last_seen,
       round(l.hours_live, 2) AS hours_live, l.events, l.requests, l.patterns,
       (SELECT count(*) FROM first_release fr WHERE fr.release = l.release) AS new_patterns,
       round(24 * l.events / l.hours_live, 2) AS events_per_day,
       round(24 * l.requests / l.hours_live, 2) AS requests_per_day,
       l.blamed_events, l.ai_events,
       round(l.ai_events / nullif(l.blamed_events, 0), 4) AS ai_share,
       round(wilson_low(l.ai_events, l.blamed_events), 4) AS ai_share_ci_low,
       round(wilson_high(l.ai_events, l.blamed_events), 4) AS ai_share_ci_high
FROM live l;

-- What changed on the newest release against the one before it, per pattern: occurrences per day on each
-- (over each release's hours_live). change: 'new' (first seen on the newest release), 'returned' (not on the
-- previous release but seen before), 'worse' (rate x1.5 and at least 5 more occurrences than the previous
-- rate predicts), 'better' (the reverse), 'not seen' (on the previous release, not on the newest), else 'steady'.
CREATE OR REPLACE MACRO release_changes(start_ts, end_ts, services, environments, releases, authors) AS TABLE
WITH h AS (SELECT * FROM release_health(start_ts, end_ts, services, environments, releases, authors)),
newest AS (SELECT * FROM h ORDER BY release_order DESC LIMIT 1),
prev AS (SELECT h.* FROM h JOIN newest n ON h.release = n.previous_release),
counts AS (
    SELECT f.cluster_id,
           count(*) FILTER (WHERE f.release = (SELECT release FROM newest)) AS events_now,
           count(*) FILTER (WHERE f.release = (SELECT release FROM prev)) AS events_before
    FROM filtered_failures(start_ts, end_ts, services, environments, releases, authors) f
    WHERE f.cluster_id IS NOT NULL
      AND f.release IN (SELECT release FROM newest UNION ALL SELECT release FROM prev)
    GROUP BY f.cluster_id
),
rated AS (
    SELECT c.*, n.release, n.previous_release, n.released_at, n.hours_live AS hours_now, p.hours_live AS hours_before,
           round(24 * c.events_now / n.hours_live, 2) AS per_day_now,
           round(24 * c.events_before / p.hours_live, 2) AS per_day_before,
           c.events_before * n.hours_live / p.hours_live AS expected_now
    FROM counts c CROSS JOIN newest n LEFT JOIN prev p ON TRUE
)
SELECT r.release, r.previous_release, r.released_at, r.cluster_id, cl.title, cl.failure_class,
       r.events_now, r.events_before, r.per_day_now, r.per_day_before,
       CASE WHEN r.events_before = 0 AND cl.first_seen >= r.released_at THEN 'new'
            WHEN r.events_before = 0 THEN 'returned'
            WHEN r.events_now = 0 THEN 'not seen'
            WHEN r.events_now >= 1.5 * r.expected_now AND r.events_now - r.expected_now >= 5 THEN 'worse'
            WHEN r.events_now <= r.expected_now / 1.5 AND r.expected_now - r.events_now >= 5 THEN 'better'
            ELSE 'steady' END AS change
FROM rated r
JOIN clusters cl USING (cluster_id);

-- The span of the data present: failure occurrences and incidents (the dashboard's default time range).
CREATE OR REPLACE VIEW data_extent AS
SELECT least(min(f.first_ts), min(i.first_ts)) AS first_ts, greatest(max(f.last_ts), max(i.last_ts)) AS last_ts
FROM (SELECT min(ts) AS first_ts, max(ts) AS last_ts FROM failure_events) f,
     (SELECT min(started_at) AS first_ts, greatest(max(started_at), max(resolved_at)) AS last_ts FROM incidents) i;
