-- Stable views of the signatures stage (see sql/reference/30_signatures.md).

CREATE OR REPLACE VIEW log_templates AS
SELECT t.template_id, t.template, t.line_count, t.first_seen, t.last_seen, t.grouping_version
FROM core.log_templates AS t;

CREATE OR REPLACE VIEW log_record_templates AS
SELECT r.record_id, r.template_id, t.template, r.grouping_version
FROM core.log_record_templates AS r
JOIN core.log_templates AS t USING (template_id);

CREATE OR REPLACE VIEW event_fingerprints AS
SELECT f.event_id, f.fingerprint, f.variant, f.title, f.components, e.ts, e.service, e.release,
       e.exception_type, f.grouping_version
FROM core.event_fingerprints AS f
JOIN core.events AS e USING (event_id);

CREATE OR REPLACE VIEW fingerprints AS
SELECT f.fingerprint, any_value(f.title) AS title, any_value(f.variant) AS variant, count(*) AS event_count,
       min(e.ts) AS first_seen, max(e.ts) AS last_seen
FROM core.event_fingerprints AS f
JOIN core.events AS e USING (event_id)
GROUP BY f.fingerprint;

CREATE OR REPLACE VIEW grouping_configs AS
SELECT grouping_version, kind, algorithm, config, first_used_at
FROM core.grouping_configs;

CREATE OR REPLACE VIEW signature_lineage AS
SELECT old_signature, new_signature, signature_kind, reason, grouping_version, moved, recorded_at
FROM core.signature_lineage;
