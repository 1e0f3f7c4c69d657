-- One row per error fingerprint: its earliest event as representative, the event count, and the
-- main exception's frames (in Sentry order, outermost first) of that event.
-- A frame is in-app when the SDK says so; when unknown (log tracebacks) when its path is not a
-- library path. Only the representative events' frames are read (a semi-join), never all frames.
WITH per_fp AS (
    SELECT f.fingerprint,
           arg_min(e.event_id, (e.ts, e.event_id)) AS rep_event_id,
           count(*) AS n_events,
           max(f.title) AS title
    FROM core.event_fingerprints f
    JOIN core.events e USING (event_id)
    GROUP BY f.fingerprint
),
app_packages AS (  -- top-level packages of frames the SDK marked in-app
    SELECT DISTINCT split_part(module, '.', 1) AS package FROM core.frames WHERE in_app AND module IS NOT NULL
),
main_exc AS (
    SELECT x.event_id, x.exception_index, x.type, x.value, e.origin
    FROM core.exceptions x JOIN core.events e USING (event_id)
    WHERE x.is_main AND x.event_id IN (SELECT rep_event_id FROM per_fp)
),
frames AS (
    SELECT fr.event_id,
           list(struct_pack(
                filename := coalesce(fr.abs_path, fr.filename),
                relpath := fr.filename,
                module := fr.module,
                function := fr.function,
                context_line := fr.context_line,
                pre_context := fr.pre_context,
                in_app := CASE
                    -- a log traceback only guesses in_app from the path; the app may be installed in
                    -- site-packages: a frame of a package the SDK calls in-app is in-app
                    WHEN m.origin = 'log' AND split_part(fr.module, '.', 1) IN (SELECT package FROM app_packages)
                        THEN true
                    ELSE coalesce(fr.in_app, NOT regexp_matches(
                        coalesce(fr.abs_path, fr.filename, ''),
                        '(site-packages|dist-packages|/lib/python\d|<frozen|/usr/lib/)'))
                    END
           ) ORDER BY fr.frame_index) AS frames
    FROM core.frames fr
    JOIN main_exc m ON m.event_id = fr.event_id AND m.exception_index = fr.exception_index
    GROUP BY fr.event_id
)
SELECT p.fingerprint AS signature,
       p.rep_event_id,
       p.n_events,
       p.title,
       e.origin,
       coalesce(e.exception_type, m.type) AS exception_type,
       coalesce(e.exception_value, m.value) AS exception_value,
       e.message,
       coalesce(fr.frames, []) AS frames
FROM per_fp p
JOIN core.events e ON e.event_id = p.rep_event_id
LEFT JOIN main_exc m ON m.event_id = p.rep_event_id
LEFT JOIN frames fr ON fr.event_id = p.rep_event_id
ORDER BY p.fingerprint
