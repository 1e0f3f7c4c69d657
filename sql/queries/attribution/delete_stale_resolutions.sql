-- Forget resolutions made without a known release so those events are resolved again this run:
-- once their release is known (frames marked unknown_release, or placed by the time fallback), and,
-- when the time fallback is on ($1), frames left unresolved for want of a release.
DELETE FROM core.frame_resolutions
WHERE ($1 AND reason IN ('no_release', 'unknown_release'))
   OR ((reason = 'unknown_release' OR revision_source = 'time_fallback')
       AND event_id IN (
           SELECT e.event_id
           FROM core.events e
           JOIN core.releases rel ON rel.release = e.release OR rel.version = e.release
       ))
