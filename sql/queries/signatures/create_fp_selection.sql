-- Which exceptions of each event take part, in which order: by default every exception of the chain
-- in Sentry order (cause first). Events with exception groups are re-selected afterwards.
CREATE OR REPLACE TEMP TABLE fp_selection AS
SELECT event_id, exception_index, exception_index AS ord FROM fp_exceptions
