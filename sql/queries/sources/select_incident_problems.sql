-- Incident rows that cannot be loaded (missing id/title/start, times that do not parse or run backwards).
SELECT row_no, line_no, problem, problem_detail, raw FROM incident_staged WHERE problem IS NOT NULL ORDER BY row_no
