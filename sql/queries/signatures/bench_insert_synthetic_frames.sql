-- Benchmark only: 8 frames per exception; module/function depend on the bug (i % 1000), lineno on the event.
INSERT INTO core.frames (event_id, exception_index, frame_index, is_innermost, filename, abs_path, module,
                         function, lineno, context_line, in_app)
SELECT e.event_id, e.exception_index, f, f = 7,
       'mod' || ((b * 13 + f) % 97) || '.py', '/srv/app/mod' || ((b * 13 + f) % 97) || '.py',
       CASE WHEN f < 3 THEN 'framework.core' ELSE 'app.mod' || ((b * 13 + f) % 97) END,
       'fn_' || ((b * 31 + f * 7) % 1009), (hash(e.event_id) % 500)::INTEGER + f,
       '    result = call_' || ((b + f) % 211) || '(payload,   timeout=30)', f >= 3
FROM (SELECT event_id, exception_index, (('0x' || left(event_id, 6))::INTEGER % 1000) AS b FROM core.exceptions) AS e,
     range(8) AS r(f);
