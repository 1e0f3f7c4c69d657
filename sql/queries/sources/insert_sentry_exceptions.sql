INSERT INTO core.exceptions (event_id, exception_index, is_main, type, value, module, mechanism_type, handled,
    exception_id, parent_id)
SELECT event_id, exception_index, exception_index = n_exceptions - 1, x.type, x.value, x.module,
    x.mechanism.type, x.mechanism.handled, x.mechanism.exception_id, x.mechanism.parent_id
FROM _hs_exc
