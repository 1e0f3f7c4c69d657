-- core.exceptions rows of the batch's (in-batch deduped) events, built in the scratch DB from _hs_exc.
SELECT event_id, exception_index, exception_index = n_exceptions - 1 AS is_main, x.type AS type, x.value AS value,
    x.module AS module, x.mechanism.type AS mechanism_type, x.mechanism.handled AS handled,
    x.mechanism.exception_id AS exception_id, x.mechanism.parent_id AS parent_id
FROM _hs_exc
