-- Final fingerprint of each event. Precedence (as in Sentry): a server-side fingerprint rule, then the
-- SDK's fingerprint, then the default grouping. `{{ default }}` mixes the default values in.
-- Registered relation `fp_rule_values(rule_no, vals, has_default)` holds the rules' fingerprints.
-- Values are chr(31)-separated; the hash is md5 of their concatenation (Sentry's hash_from_values).
INSERT INTO core.event_fingerprints (event_id, fingerprint, variant, title, components)
WITH chosen AS (
    SELECT t.event_id, d.variant AS default_variant, d.vals AS default_vals,
           coalesce(array_to_string(r.vals, chr(31)),
                    CASE WHEN t.sdk_fingerprint IS NOT NULL AND t.sdk_fingerprint <> ['{{ default }}']
                         THEN array_to_string(list_filter(t.sdk_fingerprint, lambda v: v <> '{{ default }}'), chr(31))
                    END) AS custom_vals,
           coalesce(r.has_default, list_contains(t.sdk_fingerprint, '{{ default }}')) AS has_default,
           t.exception_type, d.main_value_v, d.message_v
    FROM fp_todo AS t
    JOIN fp_default AS d USING (event_id)
    LEFT JOIN fp_rule_match AS m USING (event_id)
    LEFT JOIN fp_rule_values AS r ON r.rule_no = m.rule_no
), final AS (
    SELECT event_id,
           CASE WHEN custom_vals IS NULL OR has_default THEN default_variant ELSE 'custom' END AS variant,
           CASE WHEN custom_vals IS NULL THEN default_vals
                WHEN has_default THEN concat_ws(chr(31), nullif(default_vals, ''), nullif(custom_vals, ''))
                ELSE custom_vals END AS vals,
           CASE WHEN nullif(exception_type, '') IS NOT NULL
                THEN exception_type || coalesce(': ' || main_value_v, '')
                ELSE coalesce(split_part(message_v, chr(10), 1), '<unlabeled event>')
           END AS title
    FROM chosen
)
SELECT event_id, md5(replace(vals, chr(31), '')), variant, left(title, 200),
       to_json(CASE WHEN vals = '' THEN []::VARCHAR[] ELSE string_split(vals, chr(31)) END)
FROM final
