-- Append the frames of the batch's new events (Arrow rows, see select_sentry_frame_rows.sql).
INSERT INTO core.frames BY NAME SELECT * FROM _hs_new_frames
