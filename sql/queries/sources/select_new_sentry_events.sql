-- Loadable records of the batch, first occurrence of each event_id within the batch (in-batch dedupe).
-- Runs in the scratch connection; the anti-join against core.events happens in the warehouse
-- (sentry.py), on the Arrow rows. Output: temp table _hs_new(rid, event_id).
CREATE OR REPLACE TEMP TABLE _hs_new AS
SELECT e.rid, e.event_id
FROM _hs_ev AS e
WHERE e.reason IS NULL
QUALIFY row_number() OVER (PARTITION BY e.event_id ORDER BY e.rid) = 1
