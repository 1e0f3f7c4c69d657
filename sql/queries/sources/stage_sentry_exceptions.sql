-- Unnest the exception chain of the new events (Sentry order: cause first, raised last) with its frames.
CREATE OR REPLACE TEMP TABLE _hs_exc AS
SELECT n.event_id,
    CAST(generate_subscripts(e.exc_values, 1) - 1 AS INTEGER) AS exception_index,
    len(e.exc_values) AS n_exceptions,
    unnest(e.exc_values) AS x
FROM _hs_ev AS e JOIN _hs_new AS n USING (rid)
WHERE len(e.exc_values) > 0
