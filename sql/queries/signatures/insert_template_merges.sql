-- Templates merged by this run (registered relation `template_merges`: retired, survivor, survivor_text):
-- recorded in the lineage with the records that move ($version, $now), before they move.
INSERT INTO core.signature_lineage
    (old_signature, new_signature, signature_kind, reason, grouping_version, moved, recorded_at)
SELECT m.retired, m.survivor, 'template', 'templates_merged', $version,
       (SELECT count(*) FROM core.log_record_templates AS r WHERE r.template_id = m.retired), $now
FROM template_merges AS m
ON CONFLICT (old_signature, new_signature) DO NOTHING
