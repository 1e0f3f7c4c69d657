-- The miner's persistent state for grouping version $version: known patterns with their template, and
-- the template texts (patterns of other versions are ignored; the run that changes versions drops them).
SELECT p.pattern, p.template_id, t.template
FROM core.log_template_patterns AS p
JOIN core.log_templates AS t USING (template_id)
WHERE p.grouping_version IS NOT DISTINCT FROM $version
