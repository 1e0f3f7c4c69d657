-- Move the patterns, records and figures of every retired template (registered relation
-- `template_merges`: retired, survivor, survivor_text) to its survivor, then drop the retired row.
UPDATE core.log_template_patterns AS p SET template_id = m.survivor
FROM template_merges AS m WHERE p.template_id = m.retired;

UPDATE core.log_record_templates AS r SET template_id = m.survivor
FROM template_merges AS m WHERE r.template_id = m.retired;

UPDATE core.log_templates AS t
SET template = a.survivor_text,
    line_count = t.line_count + a.n,
    first_seen = least(t.first_seen, a.first_seen),
    last_seen = greatest(t.last_seen, a.last_seen)
FROM (
    SELECT m.survivor, any_value(m.survivor_text) AS survivor_text, sum(o.line_count) AS n,
           min(o.first_seen) AS first_seen, max(o.last_seen) AS last_seen
    FROM template_merges AS m JOIN core.log_templates AS o ON o.template_id = m.retired
    GROUP BY m.survivor
) AS a
WHERE t.template_id = a.survivor;

DELETE FROM core.log_templates WHERE template_id IN (SELECT retired FROM template_merges);
