-- Frames of the pending events with the revision their event ran ($attr_event_revisions, registered
-- by the caller). key_id numbers the distinct (repo, revision, path, line, source) combinations, so
-- each is resolved once however many events carry it.
CREATE OR REPLACE TEMP TABLE attr_pending_frames AS
SELECT f.event_id, f.exception_index, f.frame_index,
       ev.repo, ev.revision, ev.revision_source, ev.revision_how, ev.revision_agreeing,
       ev.reason AS event_reason, ev.detail AS event_detail,
       f.abs_path, f.filename, f.module, f.lineno, f.context_line, f.pre_context, f.post_context, f.in_app,
       dense_rank() OVER (ORDER BY ev.repo, ev.revision, f.abs_path, f.filename, f.module, f.lineno, f.context_line,
                                   f.pre_context::VARCHAR, f.post_context::VARCHAR, f.in_app) AS key_id
FROM core.frames f
JOIN attr_event_revisions ev USING (event_id)
