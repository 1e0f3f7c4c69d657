-- The miner's persistent state: known patterns with their template, and the template texts.
SELECT p.pattern, p.template_id, t.template
FROM core.log_template_patterns AS p
JOIN core.log_templates AS t USING (template_id)
