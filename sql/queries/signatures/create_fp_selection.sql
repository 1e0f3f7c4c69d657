-- Exceptions selected in events that contain an exception group (filled from Python, Sentry's tree walk):
-- events absent from this table use every exception of their chain, in Sentry order (cause first).
CREATE OR REPLACE TEMP TABLE fp_selection (event_id VARCHAR, exception_index INTEGER, ord INTEGER)
