-- Event ids of the batch not yet in the warehouse (earlier files, earlier batches of this file).
-- Input: Arrow table _hs_event_rows (passed by name to models.warehouse.execute: no catalog change
-- inside the file's transaction).
SELECT b.event_id
FROM _hs_event_rows AS b
WHERE NOT EXISTS (SELECT 1 FROM core.events AS w WHERE w.event_id = b.event_id)
