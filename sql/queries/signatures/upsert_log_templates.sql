-- Per-template figures of this run (registered relation `run_templates`: template_id, template, n,
-- first_seen, last_seen) merged into the templates ($miner_version, $version); ids never change, texts
-- may generalise as new lines join.
INSERT INTO core.log_templates AS t
    (template_id, template, line_count, first_seen, last_seen, miner_state, grouping_version)
SELECT template_id, template, n, first_seen, last_seen, json_object('miner_version', $miner_version::INTEGER),
       $version
FROM run_templates
ON CONFLICT (template_id) DO UPDATE SET
    template   = excluded.template,
    line_count = t.line_count + excluded.line_count,
    first_seen = least(t.first_seen, excluded.first_seen),
    last_seen  = greatest(t.last_seen, excluded.last_seen),
    miner_state = excluded.miner_state,
    grouping_version = excluded.grouping_version
