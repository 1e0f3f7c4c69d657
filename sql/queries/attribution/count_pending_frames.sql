-- Frames handled by this resolution run.
SELECT count(*) FROM attr_pending_frames
