-- The ledger row of one file, written last inside the file's transaction.
INSERT INTO core.ingest_files (file_id, source, format, path, size_bytes, records_read, records_loaded,
    records_duplicate, records_ignored, records_quarantined, ignored_detail, started_at, finished_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
