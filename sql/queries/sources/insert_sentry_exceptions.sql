-- Append the exceptions of the batch's new events (Arrow rows, see select_sentry_exception_rows.sql).
INSERT INTO core.exceptions BY NAME SELECT * FROM _hs_new_exceptions
