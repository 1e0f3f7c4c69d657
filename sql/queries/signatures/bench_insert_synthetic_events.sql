-- Benchmark only: N (the parameter) synthetic Python error events of 1,000 distinct bugs, 8 frames each (3 system
-- frames outermost), line numbers varying per event, one in ten with a chained cause.
INSERT INTO core.events (event_id, origin, platform, level, ts, message, exception_type, exception_value,
                         file_id, line_no, ingested_at)
SELECT md5(i::VARCHAR), 'sentry', 'python', 'error', TIMESTAMP '2026-11-01' + to_seconds(i % 86400),
       NULL, 'Error' || (i % 1000), 'failed for user ' || (i * 7919 % 100000) || ' after ' || (i % 60) || 's',
       'bench', i, now()::TIMESTAMP
FROM range(?) AS t(i);
