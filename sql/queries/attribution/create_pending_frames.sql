-- Frames of the pending events with the revision their event ran (`attr_pending_revisions`). key_id
-- names the distinct (repo, revision, path, line, source) combinations (a 63-bit hash: no sort), so
-- each is resolved once however many events carry it. A view: computed where it is read.
CREATE OR REPLACE TEMP VIEW attr_pending_frames AS
SELECT f.event_id, f.exception_index, f.frame_index,
       ev.repo, ev.revision, ev.revision_source, ev.revision_how, ev.revision_agreeing,
       ev.reason AS event_reason, ev.detail AS event_detail,
       f.abs_path, f.filename, f.module, f.lineno, f.context_line, f.pre_context, f.post_context, f.in_app,
       (hash(ev.repo, ev.revision, f.abs_path, f.filename, f.module, f.lineno, f.context_line,
             f.pre_context, f.post_context, f.in_app) >> 1)::BIGINT AS key_id
FROM core.frames f
JOIN attr_pending_revisions ev USING (event_id)
