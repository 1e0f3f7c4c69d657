-- Asset check: events that have no fingerprint (must be 0 after `event_fingerprints`).
SELECT count(*) FROM core.events AS e
WHERE NOT EXISTS (SELECT 1 FROM core.event_fingerprints AS f WHERE f.event_id = e.event_id)
