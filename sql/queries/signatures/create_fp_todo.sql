-- Events without a fingerprint yet (fingerprinting is incremental), at most ? of them per pass.
CREATE OR REPLACE TEMP TABLE fp_todo AS
SELECT e.event_id, e.platform, e.message, e.logger, e.level, e.release, e.environment, e.service,
       e.exception_type, e.exception_value, e.sdk_fingerprint
FROM core.events AS e
WHERE NOT EXISTS (SELECT 1 FROM core.event_fingerprints AS f WHERE f.event_id = e.event_id)
LIMIT ?
