-- core.frames rows: every frame of every exception (Sentry order: outermost first, innermost = last),
-- built in the scratch DB from _hs_exc.
SELECT event_id, exception_index, CAST(fi - 1 AS INTEGER) AS frame_index, fi = nf AS is_innermost,
    f.filename AS filename, f.abs_path AS abs_path, f.module AS module, f.function AS function, f.lineno AS lineno,
    f.colno AS colno, f.context_line AS context_line, f.pre_context AS pre_context, f.post_context AS post_context,
    f.in_app AS in_app, f.package AS package, CAST(f.vars AS VARCHAR) AS vars
FROM (
    SELECT event_id, exception_index, len(x.stacktrace.frames) AS nf,
        generate_subscripts(x.stacktrace.frames, 1) AS fi, unnest(x.stacktrace.frames) AS f
    FROM _hs_exc
    WHERE len(x.stacktrace.frames) > 0
)
