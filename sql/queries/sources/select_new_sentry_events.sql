-- Loadable records of the batch that are new: first occurrence within the batch (in-batch dedupe)
-- and not yet in the warehouse (anti-join on event_id). Output: temp table _hs_new(rid, event_id).
CREATE OR REPLACE TEMP TABLE _hs_new AS
SELECT e.rid, e.event_id
FROM _hs_ev AS e
WHERE e.reason IS NULL
  AND NOT EXISTS (SELECT 1 FROM core.events AS w WHERE w.event_id = e.event_id)
QUALIFY row_number() OVER (PARTITION BY e.event_id ORDER BY e.rid) = 1
