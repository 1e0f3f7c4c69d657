"""Stage 1, sources: production error events, logs and incidents into the warehouse, exactly once.

Framework (shared by every reader): `reader` (decoded line batches, gzip by magic bytes),
`ledger` (one transaction per file, counts, quarantine), `scrub` (one rule list for Python and SQL),
`ingest` (entry points). Readers: `sentry` (+ `envelope`), `logs`, `incidents`.
"""

from models.sources.ingest import IngestError, ingest_file, ingest_landing, ingest_path, ingest_source
from models.sources.ledger import FileLoad, FileReport, Reject, file_load
from models.sources.scrub import SCRUB_RULES, scrub_sql, scrub_text

__all__ = [
    "SCRUB_RULES", "FileLoad", "FileReport", "IngestError", "Reject", "file_load", "ingest_file",
    "ingest_landing", "ingest_path", "ingest_source", "scrub_sql", "scrub_text",
]
