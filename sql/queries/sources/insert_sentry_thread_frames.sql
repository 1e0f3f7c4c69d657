-- Append the top-level and thread stack frames of the batch's new events (Arrow rows flattened in
-- sentry._thread_frame_rows).
INSERT INTO core.thread_frames BY NAME SELECT * FROM _hs_new_thread_frames
