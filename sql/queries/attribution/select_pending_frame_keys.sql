-- One row per distinct frame to resolve (only frames whose event has a revision), those of one file
-- name together (`file_name`: the last part of the frame's path; all revisions of a file in a row), so
-- each file's lines are all known, and can be handed to blame, as soon as resolution passes its name.
SELECT key_id, any_value(repo) AS repo, any_value(revision) AS revision,
       any_value(abs_path) AS abs_path, any_value(filename) AS filename, any_value(module) AS module,
       any_value(lineno) AS lineno,
       any_value(context_line) AS context_line, any_value(pre_context) AS pre_context,
       any_value(post_context) AS post_context, any_value(in_app) AS in_app,
       regexp_extract(replace(coalesce(any_value(abs_path), any_value(filename), ''), '\', '/'), '[^/]*$')
           AS file_name
FROM attr_pending_frames
WHERE revision IS NOT NULL
GROUP BY key_id
ORDER BY repo, file_name
