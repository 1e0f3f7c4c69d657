-- Events of this pass that had a fingerprint from another grouping configuration and now have a
-- different one: old -> new fingerprint, with how many events moved ($version, $now).
INSERT INTO core.signature_lineage
    (old_signature, new_signature, signature_kind, reason, grouping_version, moved, recorded_at)
SELECT t.old_fingerprint, f.fingerprint, 'fingerprint', 'grouping_changed', $version, count(*), $now
FROM fp_todo AS t
JOIN core.event_fingerprints AS f USING (event_id)
WHERE t.old_fingerprint IS NOT NULL AND t.old_fingerprint <> f.fingerprint
GROUP BY t.old_fingerprint, f.fingerprint
ON CONFLICT (old_signature, new_signature) DO UPDATE SET moved = core.signature_lineage.moved + excluded.moved
