-- Append the frames of the batch's new events (Arrow rows flattened in sentry._chain_rows).
INSERT INTO core.frames BY NAME SELECT * FROM _hs_new_frames
