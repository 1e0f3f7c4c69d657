-- Benchmark only: 8 frames per exception; module/function/context depend on the bug (line_no % 1000),
-- the line numbers on the event (they must not change the fingerprint).
INSERT INTO core.frames (event_id, exception_index, frame_index, is_innermost, filename, abs_path, module,
                         function, lineno, context_line, in_app)
SELECT x.event_id, x.exception_index, f, f = 7,
       'mod' || ((b * 13 + f) % 97) || '.py', '/srv/app/mod' || ((b * 13 + f) % 97) || '.py',
       CASE WHEN f < 3 THEN 'framework.core' ELSE 'app.mod' || ((b * 13 + f) % 97) END,
       'fn_' || ((b * 31 + f * 7 + x.exception_index) % 1009), (e.line_no % 500)::INTEGER + f,
       '    result = call_' || ((b + f) % 211) || '(payload,   timeout=30)', f >= 3
FROM core.exceptions AS x
JOIN (SELECT event_id, line_no, line_no % 1000 AS b FROM core.events WHERE file_id = 'bench') AS e USING (event_id),
     range(8) AS r(f)
