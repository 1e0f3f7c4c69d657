-- Materialized into the snapshot as dash.crash_sites: each event's crash-site frame with its blame and author
-- (main.frame_attribution filtered to is_crash_site). The view runs window functions over every frame, too
-- slow to run per dashboard reader on millions of events; the snapshot pays it once per publish.
SELECT * FROM main.frame_attribution WHERE is_crash_site
