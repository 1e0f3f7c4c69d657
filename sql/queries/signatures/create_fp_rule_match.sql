-- The first fingerprint rule matching each event ({cases}: `WHEN <predicate> THEN <rule number>`).
CREATE OR REPLACE TEMP TABLE fp_rule_match AS
SELECT e.event_id, CASE {cases} END AS rule_no
FROM fp_todo AS e
