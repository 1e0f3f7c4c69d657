-- Final fingerprint of each event of fp_todo, stamped with the grouping version $version. When the pass
-- holds events fingerprinted by another configuration, fingerprints.py runs it as INSERT OR REPLACE (they
-- are updated in place); a plain INSERT otherwise (the upsert costs ~10% more on a million new events). Precedence (as in Sentry): the legacy
-- `checksum` (32 lower-case hex: the hash itself, variant `checksum`; else its md5, `hashed_checksum`),
-- then a server-side fingerprint rule, then the SDK's fingerprint, then the default grouping. `{{ default }}` mixes the default values in; the
-- variables {{ message }}, {{ type }}, {{ logger }}, {{ level }} are replaced by the event's values.
-- Registered relation `fp_rule_values(rule_no, vals, has_default)` holds the rules' fingerprints.
-- Values are chr(31)-separated; the hash is md5 of their concatenation (Sentry's hash_from_values).
INSERT INTO core.event_fingerprints (event_id, fingerprint, variant, title, components, grouping_version)
WITH custom_raw AS (  -- the few events with a rule match or an SDK fingerprint (small join side)
    SELECT t.event_id, t.message, t.exception_type, t.exception_value, t.logger, t.level,
           coalesce(array_to_string(r.vals, chr(31)),
                    CASE WHEN t.sdk_fingerprint IS NOT NULL AND t.sdk_fingerprint <> ['{{ default }}']
                         THEN array_to_string(list_filter(t.sdk_fingerprint, lambda v: v <> '{{ default }}'), chr(31))
                    END) AS custom_vals,
           coalesce(r.has_default, list_contains(t.sdk_fingerprint, '{{ default }}')) AS has_default
    FROM fp_todo AS t
    LEFT JOIN fp_rule_match AS m USING (event_id)
    LEFT JOIN fp_rule_values AS r ON r.rule_no = m.rule_no
    WHERE m.rule_no IS NOT NULL OR t.sdk_fingerprint IS NOT NULL
), custom AS (  -- Sentry's fingerprint variables: {{ message }}, {{ type }}, {{ logger }}, {{ level }}
    -- (hs_literal_replacement: event text is data: a backslash in it must not act as a regexp back-reference)
    SELECT event_id, has_default,
           regexp_replace(regexp_replace(regexp_replace(regexp_replace(custom_vals,
               '\{\{\s*message\s*\}\}', hs_literal_replacement(replace(coalesce(message, exception_value, ''), chr(31), ' ')), 'g'),
               '\{\{\s*type\s*\}\}', hs_literal_replacement(coalesce(exception_type, '')), 'g'),
               '\{\{\s*logger\s*\}\}', hs_literal_replacement(coalesce(logger, '')), 'g'),
               '\{\{\s*level\s*\}\}', hs_literal_replacement(coalesce(level, '')), 'g') AS custom_vals
    FROM custom_raw
), final AS (
    SELECT d.event_id,
           CASE WHEN c.custom_vals IS NULL OR c.has_default THEN d.variant ELSE 'custom' END AS variant,
           CASE WHEN c.custom_vals IS NULL THEN d.vals
                WHEN c.has_default THEN concat_ws(chr(31), nullif(d.vals, ''), nullif(c.custom_vals, ''))
                ELSE c.custom_vals END AS vals,
           CASE WHEN nullif(d.main_type, '') IS NOT NULL
                THEN d.main_type || coalesce(': ' || d.main_value_v, '')
                ELSE coalesce(split_part(d.message_v, chr(10), 1), '<unlabeled event>')
           END AS title
    FROM fp_default AS d
    LEFT JOIN custom AS c USING (event_id)
)
-- components: the JSON string of the values with each (escaped) separator turned into `","` (cheaper
-- than building a list per event)
SELECT f.event_id,
       CASE WHEN t.checksum IS NULL THEN md5(replace(f.vals, chr(31), ''))
            WHEN regexp_full_match(t.checksum, '[0-9a-f]{32}') THEN t.checksum
            ELSE md5(t.checksum) END,
       CASE WHEN t.checksum IS NULL THEN f.variant
            WHEN regexp_full_match(t.checksum, '[0-9a-f]{32}') THEN 'checksum'
            ELSE 'hashed_checksum' END,
       left(f.title, 200),
       CASE WHEN t.checksum IS NOT NULL THEN to_json([t.checksum])
            WHEN f.vals = '' THEN '[]'
            ELSE '[' || replace(replace(to_json(f.vals)::VARCHAR, '\u001F', '","'), '\u001f', '","') || ']' END::JSON,
       $version
FROM final AS f
LEFT JOIN (SELECT event_id, checksum FROM fp_todo WHERE checksum IS NOT NULL) AS t USING (event_id)
