-- One row per distinct frame to resolve (only frames whose event has a revision).
SELECT key_id, any_value(repo) AS repo, any_value(revision) AS revision,
       any_value(abs_path) AS abs_path, any_value(filename) AS filename, any_value(module) AS module,
       any_value(lineno) AS lineno,
       any_value(context_line) AS context_line, any_value(pre_context) AS pre_context,
       any_value(post_context) AS post_context, any_value(in_app) AS in_app
FROM attr_pending_frames
WHERE revision IS NOT NULL
GROUP BY key_id
