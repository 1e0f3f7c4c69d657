-- Every frame of every exception (Sentry order: outermost first, innermost = last).
INSERT INTO core.frames (event_id, exception_index, frame_index, is_innermost, filename, abs_path, module,
    function, lineno, colno, context_line, pre_context, post_context, in_app, package, vars)
SELECT event_id, exception_index, CAST(fi - 1 AS INTEGER), fi = nf, f.filename, f.abs_path, f.module,
    f.function, f.lineno, f.colno, f.context_line, f.pre_context, f.post_context, f.in_app, f.package, f.vars
FROM (
    SELECT event_id, exception_index, len(x.stacktrace.frames) AS nf,
        generate_subscripts(x.stacktrace.frames, 1) AS fi, unnest(x.stacktrace.frames) AS f
    FROM _hs_exc
    WHERE len(x.stacktrace.frames) > 0
)
