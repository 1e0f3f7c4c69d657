-- Events to fingerprint in this pass ($batch at most): those without a fingerprint, and those whose
-- fingerprint was made by another grouping configuration ($version; NULL = before versions existed),
-- with that old fingerprint (for core.signature_lineage).
CREATE OR REPLACE TEMP TABLE fp_todo AS
SELECT e.event_id, e.platform, e.message, e.logger, e.level, e.release, e.environment, e.service,
       e.exception_type, e.exception_value, e.sdk_fingerprint, e.checksum, f.fingerprint AS old_fingerprint
FROM core.events AS e
LEFT JOIN core.event_fingerprints AS f USING (event_id)
WHERE f.event_id IS NULL OR f.grouping_version IS DISTINCT FROM $version
LIMIT $batch
