-- Benchmark only: the exceptions of the synthetic events (index 0 = the cause when chained).
INSERT INTO core.exceptions (event_id, exception_index, is_main, type, value)
SELECT md5(i::VARCHAR), x, x = CASE WHEN i % 10 = 0 THEN 1 ELSE 0 END,
       CASE WHEN x = 0 AND i % 10 = 0 THEN 'ConnectionError' ELSE 'Error' || (i % 1000) END,
       'failed for user ' || (i * 7919 % 100000)
FROM range(?) AS t(i), range(2) AS r(x)
WHERE x = 0 OR i % 10 = 0;
