-- Add this chunk's staged records (log_staged.h) to the per-file counts of log_seen: hashes seen before
-- get their count raised, new hashes get a row (one row per hash, without a primary key).
UPDATE log_seen SET n = log_seen.n + c.n
FROM (SELECT h, count(*) AS n FROM log_staged GROUP BY h) c
WHERE log_seen.h = c.h;
INSERT INTO log_seen
SELECT h, count(*) FROM log_staged c
WHERE NOT EXISTS (SELECT 1 FROM log_seen s WHERE s.h = c.h)
GROUP BY h;
