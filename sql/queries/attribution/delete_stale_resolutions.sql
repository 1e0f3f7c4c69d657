-- Forget resolutions made without a known release once that release is known (re-resolved this run):
-- frames marked unknown_release, or resolved through the time fallback.
DELETE FROM core.frame_resolutions
WHERE (reason = 'unknown_release' OR revision_source = 'time_fallback')
  AND event_id IN (
      SELECT e.event_id
      FROM core.events e
      JOIN core.releases rel ON rel.release = e.release OR rel.version = e.release
  )
