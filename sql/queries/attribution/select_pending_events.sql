-- Events that carry frames but have no frame resolution yet (resolution is incremental per event).
SELECT e.event_id, e.ts, e.release, e.service
FROM core.events e
WHERE EXISTS (SELECT 1 FROM core.frames f WHERE f.event_id = e.event_id)
  AND NOT EXISTS (SELECT 1 FROM core.frame_resolutions r WHERE r.event_id = e.event_id)
