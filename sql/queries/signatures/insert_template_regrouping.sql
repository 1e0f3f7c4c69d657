-- Records of this run that had a template under another grouping version and now have another id
-- (registered relation `regrouped`: old_template_id, template_id, n), with $version and $now.
INSERT INTO core.signature_lineage
    (old_signature, new_signature, signature_kind, reason, grouping_version, moved, recorded_at)
SELECT old_template_id, template_id, 'template', 'grouping_changed', $version, n, $now
FROM regrouped
ON CONFLICT (old_signature, new_signature) DO UPDATE SET moved = core.signature_lineage.moved + excluded.moved
