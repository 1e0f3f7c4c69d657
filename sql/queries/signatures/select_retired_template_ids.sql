-- Template ids that must never be handed out again: replaced ones (core.signature_lineage) that are not
-- a live template any more.
SELECT old_signature FROM core.signature_lineage WHERE signature_kind = 'template'
EXCEPT
SELECT template_id FROM core.log_templates
