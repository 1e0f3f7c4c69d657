-- Append the exceptions of the batch's new events (Arrow rows flattened in sentry._chain_rows).
INSERT INTO core.exceptions BY NAME SELECT * FROM _hs_new_exceptions
