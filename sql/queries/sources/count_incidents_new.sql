-- (valid rows, rows that will be inserted): valid rows minus repeats in the file minus ids already stored.
SELECT count(*) FILTER (WHERE problem IS NULL),
       count(*) FILTER (WHERE problem IS NULL AND NOT dup_in_file
                        AND incident_id NOT IN (SELECT incident_id FROM core.incidents))
FROM incident_staged
