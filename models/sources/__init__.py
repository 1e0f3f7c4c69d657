"""Stage 1, sources: production error events, logs and incidents into the warehouse, exactly once.

Framework (shared by every reader): `reader` (decoded line batches, gzip by magic bytes),
`ledger` (one transaction per file, counts, quarantine), `scrub` (one rule list for Python and SQL),
`ingest` (entry points). Readers: `sentry` (+ `envelope`, `sentry_rest` for the REST API shape), `logs`,
`incidents`. Live ingest (`hindsight serve`): `live` (Sentry protocol: auth, bodies, envelope framing,
rate limits), `otlp` (OpenTelemetry requests -> JSON log lines), `spool` (fsync'd segments the readers
above ingest), `ingest_keys` (project keys).
"""

from models.sources.ingest import IngestError, ingest_file, ingest_landing, ingest_path, ingest_source
from models.sources.ledger import FileLoad, FileReport, Reject, file_load
from models.sources.scrub import SCRUB_RULES, scrub_sql, scrub_text

__all__ = [
    "SCRUB_RULES", "FileLoad", "FileReport", "IngestError", "Reject", "file_load", "ingest_file",
    "ingest_landing", "ingest_path", "ingest_source", "scrub_sql", "scrub_text",
]
