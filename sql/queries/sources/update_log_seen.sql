-- Add this chunk's staged records (log_staged.h) to the per-file counts of log_seen.
INSERT INTO log_seen
SELECT h, count(*) FROM log_staged GROUP BY h
ON CONFLICT (h) DO UPDATE SET n = log_seen.n + excluded.n
