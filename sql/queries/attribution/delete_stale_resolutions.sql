-- Forget resolutions made without a known release so those events are resolved again this run:
-- once their release is known (frames marked unknown_release or ambiguous_release, or placed by
-- inference or the time fallback), and, when the time fallback is on ($1), frames left unresolved for
-- want of a release. (These reasons and revision sources are per event: all its frames share them.)
WITH known AS (  -- events whose release string names a release row (as release, version or tag)
    SELECT e.event_id FROM core.events e JOIN core.releases rel ON rel.release = e.release
    UNION SELECT e.event_id FROM core.events e JOIN core.releases rel ON rel.version = e.release
    UNION SELECT e.event_id FROM core.events e JOIN core.releases rel ON rel.tag = e.release
)
DELETE FROM core.frame_resolutions
WHERE ($1 AND reason IN ('no_release', 'unknown_release', 'ambiguous_release'))
   OR ((reason IN ('unknown_release', 'ambiguous_release') OR revision_source IN ('time_fallback', 'inferred'))
       AND event_id IN (SELECT event_id FROM known))
