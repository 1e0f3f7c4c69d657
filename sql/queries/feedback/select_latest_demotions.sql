-- The latest evaluation verdict of each rule id that was demoted for noise (carried into new packs).
SELECT rule_id, demotion_reason
FROM core.rule_evaluations
QUALIFY row_number() OVER (PARTITION BY rule_id ORDER BY evaluated_at DESC) = 1
   AND demoted
