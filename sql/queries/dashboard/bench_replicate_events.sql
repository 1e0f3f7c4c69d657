-- BENCHMARK ONLY (benchmarks/dashboard.py), run on a throw-away COPY of a demo warehouse: replicate every
-- error event with its exceptions, frames, frame resolutions and fingerprint `$copies - 1` more times, so
-- the dashboard can be measured on >= 1M events with the demo's real distribution (clusters, blame and AI
-- attribution follow, because they join on fingerprint and (repo, revision, path, line)). Copy k of an
-- event gets id `<event_id>~k` and a time shifted by k mod 600 seconds.
CREATE TEMP TABLE bench_copies AS SELECT range::INTEGER AS k FROM range(1, $copies);
CREATE TEMP TABLE bench_originals AS SELECT event_id FROM core.events;

INSERT INTO core.events
SELECT e.* REPLACE (e.event_id || '~' || c.k AS event_id, e.ts + to_seconds(c.k % 600) AS ts)
FROM core.events e JOIN bench_originals USING (event_id) CROSS JOIN bench_copies c;

INSERT INTO core.exceptions
SELECT x.* REPLACE (x.event_id || '~' || c.k AS event_id)
FROM core.exceptions x JOIN bench_originals USING (event_id) CROSS JOIN bench_copies c;

INSERT INTO core.frames
SELECT f.* REPLACE (f.event_id || '~' || c.k AS event_id)
FROM core.frames f JOIN bench_originals USING (event_id) CROSS JOIN bench_copies c;

INSERT INTO core.frame_resolutions
SELECT r.* REPLACE (r.event_id || '~' || c.k AS event_id)
FROM core.frame_resolutions r JOIN bench_originals USING (event_id) CROSS JOIN bench_copies c;

INSERT INTO core.event_fingerprints
SELECT p.* REPLACE (p.event_id || '~' || c.k AS event_id)
FROM core.event_fingerprints p JOIN bench_originals USING (event_id) CROSS JOIN bench_copies c;

UPDATE core.clusters c SET event_count = n.events
FROM (SELECT cluster_id, count(*) AS events FROM main.cluster_events GROUP BY 1) n
WHERE n.cluster_id = c.cluster_id;
