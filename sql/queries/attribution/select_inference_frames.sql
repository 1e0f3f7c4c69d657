-- Frames with a source line of the events whose revision is inferred ($attr_infer_events, event_id).
SELECT f.event_id, f.abs_path, f.filename, f.module, f.lineno, f.context_line, f.pre_context, f.post_context, f.in_app
FROM core.frames f
JOIN attr_infer_events USING (event_id)
WHERE f.context_line IS NOT NULL AND f.lineno IS NOT NULL
ORDER BY f.event_id, f.exception_index, f.frame_index
