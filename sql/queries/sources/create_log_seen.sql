-- Per file: how often each record text (by 64-bit hash) was seen in earlier chunks, so the occurrence
-- index in record_id counts identical records across the whole file, whatever the chunk boundaries.
CREATE OR REPLACE TEMP TABLE log_seen (h UBIGINT PRIMARY KEY, n BIGINT NOT NULL)
