-- hs_match_key(text): the text parameterized by the signatures stage's `hs_parameterize` (install it
-- first: models.signatures.parameterize.install), every placeholder collapsed to <*>, lower-cased,
-- whitespace collapsed — the key that compares an incident's message with a cluster's messages.
CREATE OR REPLACE TEMP MACRO hs_match_key(s) AS
trim(regexp_replace(lower(regexp_replace(hs_parameterize(s), '<[A-Za-z0-9_*]+>', '<*>', 'g')), '\s+', ' ', 'g'));
