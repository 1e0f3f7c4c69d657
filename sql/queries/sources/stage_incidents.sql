-- Incident rows (registered Arrow table _hs_incidents, canonical fields picked by models/sources/incidents.py)
-- -> temp table incident_staged with typed times, severity rank, trace ids found in the text,
-- and `problem` (missing_field | wrong_type) or `dup_in_file` for later rows repeating an incident id.
-- The rows arrive scrubbed (models/sources/incidents.py scrubs each row as one record, every field).
-- Placeholders are SQL generated from the time formats.
CREATE OR REPLACE TEMP TABLE incident_staged AS
WITH typed AS (
    SELECT *,
           {started_expr} AS started_ts,
           {resolved_expr} AS resolved_ts,
           NULLIF(concat_ws(chr(10) || chr(10), summary, postmortem), '') AS summary_text,
           lower(trim(severity)) AS sev
    FROM _hs_incidents
), checked AS (
    SELECT *,
           CASE WHEN incident_id IS NULL THEN 'missing_field'
                WHEN title IS NULL THEN 'missing_field'
                WHEN started_at IS NULL THEN 'missing_field'
                WHEN started_ts IS NULL THEN 'wrong_type'
                WHEN resolved_at IS NOT NULL AND resolved_ts IS NULL THEN 'wrong_type'
                WHEN resolved_ts < started_ts THEN 'wrong_type' END AS problem,
           CASE WHEN incident_id IS NULL THEN 'no incident id'
                WHEN title IS NULL THEN 'no title'
                WHEN started_at IS NULL THEN 'no start time'
                WHEN started_ts IS NULL THEN 'start time does not parse'
                WHEN resolved_at IS NOT NULL AND resolved_ts IS NULL THEN 'resolved time does not parse'
                WHEN resolved_ts < started_ts THEN 'resolved before it started' END AS problem_detail
    FROM typed
)
SELECT row_no, line_no, raw, problem, problem_detail,
       problem IS NULL AND row_number() OVER (PARTITION BY problem IS NULL, incident_id ORDER BY row_no) > 1 AS dup_in_file,
       incident_id,
       title,
       severity,
       CASE WHEN regexp_matches(sev, '^(sev|s|p)[-_ ]?\d\b') THEN greatest(1, least(5, CAST(regexp_extract(sev, '^(?:sev|s|p)[-_ ]?(\d)', 1) AS INTEGER)))
            WHEN regexp_matches(sev, '^\d$') THEN greatest(1, least(5, CAST(sev AS INTEGER)))
            WHEN regexp_extract(sev, '^[a-z]+') IN ('critical', 'crit', 'blocker', 'highest', 'emergency', 'fatal', 'urgent', 'disaster') THEN 1
            WHEN regexp_extract(sev, '^[a-z]+') IN ('high', 'major', 'severe', 'error') THEN 2
            WHEN regexp_extract(sev, '^[a-z]+') IN ('medium', 'moderate', 'normal', 'average', 'warning') THEN 3
            WHEN regexp_extract(sev, '^[a-z]+') IN ('low', 'minor') THEN 4
            WHEN regexp_extract(sev, '^[a-z]+') IN ('info', 'informational', 'lowest', 'trivial', 'cosmetic') THEN 5 END AS severity_rank,
       status,
       started_ts AS started_at,
       resolved_ts AS resolved_at,
       list_sort(list_distinct(list_filter(services, lambda s: s <> ''))) AS services,
       summary_text AS summary,
       list_sort(list_distinct(list_concat(
           list_transform(trace_ids, lambda t: lower(replace(t, '-', ''))),
           regexp_extract_all(lower(concat_ws(' ', title, summary_text, array_to_string(error_messages, ' '))), '\b[0-9a-f]{{32}}\b')
       ))) AS trace_ids,
       error_messages,
       fingerprints,
       url,
       CAST(attributes AS JSON) AS attributes
FROM checked
