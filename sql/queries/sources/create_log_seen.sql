-- Per file: how often each record text (by 64-bit hash) was seen in earlier chunks, so the occurrence
-- index in record_id counts identical records across the whole file, whatever the chunk boundaries.
-- One row per hash (kept so by update_log_seen). No primary key: maintaining its index costs more
-- than the rest of the bookkeeping; the lookups are hash joins.
CREATE OR REPLACE TEMP TABLE log_seen (h UBIGINT NOT NULL, n BIGINT NOT NULL)
