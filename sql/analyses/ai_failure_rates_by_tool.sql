-- Failures per 1,000 lines added for each AI tool vs unknown/human code, with the counts behind every rate
-- (small counts mean wide uncertainty: read `failures` and `lines_added` before comparing rates).
SELECT repo, tool, failures, events, crash_sites, commits, lines_added, failures_per_kloc, events_per_kloc
FROM ai_failure_rates
ORDER BY repo, failures_per_kloc DESC NULLS LAST;
