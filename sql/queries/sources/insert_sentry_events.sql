-- Append the batch's new events (Arrow rows built in the scratch DB, see select_sentry_batch.sql).
INSERT INTO core.events BY NAME SELECT * FROM _hs_new_events
