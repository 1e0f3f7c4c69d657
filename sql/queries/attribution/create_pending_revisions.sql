-- The revision each pending event ran ($attr_event_revisions, from the caller), kept for this run: the
-- pending frames (`attr_pending_frames`) are a view over it, read once to find the distinct frames and
-- once to write every frame's resolution (cheaper than materialising every frame with its context).
CREATE OR REPLACE TEMP TABLE attr_pending_revisions AS SELECT * FROM attr_event_revisions
