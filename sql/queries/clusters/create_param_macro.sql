-- hs_parameterize(text): Sentry-style message parameterization (ANCHORS.md §1), in the same order:
-- email, url, ip, hostname, uuid, hashes, dates/times, durations, hex, float, int, quoted values after '='.
-- hs_match_key(text): the parameterized text with every placeholder collapsed to <*>, lower-cased,
-- whitespace collapsed — the key used to compare an incident's message with a cluster's messages.
CREATE OR REPLACE TEMP MACRO hs_parameterize(s) AS
regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
regexp_replace(regexp_replace(
    s,
    '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}', '<email>', 'g'),
    '[a-zA-Z][a-zA-Z0-9+.-]*://[^\s''"<>]+', '<url>', 'g'),
    '\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(:\d+)?\b', '<ip>', 'g'),
    '\b([a-zA-Z0-9-]+\.)+(com|net|org|io|internal|local|lan|svc|cluster|dev|cloud|amazonaws)\b(:\d+)?', '<hostname>', 'g'),
    '\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b', '<uuid>', 'g'),
    '\b[0-9a-fA-F]{32,64}\b', '<hash>', 'g'),
    '\b\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?\b', '<date>', 'g'),
    '\b\d{1,2}:\d{2}:\d{2}(\.\d+)?\b', '<time>', 'g'),
    '\b\d+(\.\d+)?\s?(ms|s|sec|secs|seconds|minutes|min|h|hours)\b', '<duration>', 'g'),
    '\b0[xX][0-9a-fA-F]+\b', '<hex>', 'g'),
    '\b-?\d+\.\d+\b', '<float>', 'g'),
    '\b-?\d+\b', '<int>', 'g'),
    '=\s*''[^'']*''', '=<quoted>', 'g'),
    '=\s*"[^"]*"', '=<quoted>', 'g');

CREATE OR REPLACE TEMP MACRO hs_match_key(s) AS
trim(regexp_replace(lower(regexp_replace(hs_parameterize(s), '<[a-z*]+>', '<*>', 'g')), '\s+', ' ', 'g'));
