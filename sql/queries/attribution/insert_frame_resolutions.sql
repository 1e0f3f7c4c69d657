-- Write the resolution of every pending frame: the per-key result ($attr_key_results) joined back to
-- the frames; frames of events without a revision carry the event's reason (no_release ...).
INSERT INTO core.frame_resolutions
    (event_id, exception_index, frame_index, repo, revision, revision_source, revision_how, revision_agreeing,
     repo_path, line, status, reason, verified, detail)
SELECT p.event_id, p.exception_index, p.frame_index, p.repo, p.revision, p.revision_source,
       p.revision_how, p.revision_agreeing,
       k.repo_path,
       CASE WHEN k.status = 'resolved' THEN p.lineno END,
       COALESCE(k.status, 'unresolved'),
       CASE WHEN p.revision IS NULL THEN p.event_reason ELSE k.reason END,
       k.verified,
       COALESCE(k.detail, p.event_detail)
FROM attr_pending_frames p
LEFT JOIN attr_key_results k USING (key_id)
