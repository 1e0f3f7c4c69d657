-- Stage 1: what production says. All timestamps are UTC (TIMESTAMP without zone).
-- Every input file is in the ledger; every input record is loaded or quarantined.

CREATE TABLE IF NOT EXISTS core.ingest_files (
    file_id             VARCHAR PRIMARY KEY,  -- sha256 of the file's bytes (as read, before gunzip)
    source              VARCHAR NOT NULL,     -- 'sentry' | 'logs' | 'incidents'
    format              VARCHAR NOT NULL,     -- e.g. 'ndjson', 'json_array', 'json_event', 'envelope', 'jsonl', 'text', 'csv', 'json'
    path                VARCHAR NOT NULL,     -- path as given when ingested (the first time)
    size_bytes          BIGINT  NOT NULL,
    records_read        BIGINT  NOT NULL,     -- = loaded + duplicate + ignored + quarantined
    records_loaded      BIGINT  NOT NULL,     -- new rows written
    records_duplicate   BIGINT  NOT NULL,     -- already present (same event id / content hash)
    records_ignored     BIGINT  NOT NULL,     -- deliberately skipped (e.g. envelope transaction/session items)
    records_quarantined BIGINT  NOT NULL,
    ignored_detail      JSON,                 -- e.g. {"transaction": 3, "session": 1}
    started_at          TIMESTAMP NOT NULL,
    finished_at         TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS core.quarantine (
    file_id       VARCHAR NOT NULL,
    path          VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    line_no       BIGINT,                     -- 1-based line where the record starts (NULL for binary positions)
    byte_offset   BIGINT,                     -- offset of the record in the (decompressed) stream
    reason        VARCHAR NOT NULL,           -- malformed_json | truncated_gzip | invalid_utf8 | missing_field | wrong_type | line_too_long | too_deep | not_an_object | no_record_header | bad_envelope
    detail        VARCHAR,                    -- human-readable explanation
    excerpt       VARCHAR,                    -- first 200 chars, secrets scrubbed
    quarantined_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS core.events (
    event_id        VARCHAR PRIMARY KEY,      -- Sentry event_id (32 hex) or md5 of the record when absent
    origin          VARCHAR NOT NULL,         -- 'sentry' | 'log' (traceback recognised in a log record)
    platform        VARCHAR,
    level           VARCHAR,
    ts              TIMESTAMP NOT NULL,       -- event time (UTC)
    release         VARCHAR,
    environment     VARCHAR,
    service         VARCHAR,                  -- tags.service, else the log's service, else NULL
    server_hash     VARCHAR,                  -- md5 prefix of server_name (host names are not stored)
    transaction_name VARCHAR,
    logger          VARCHAR,
    message         VARCHAR,                  -- scrubbed logentry/message text
    exception_type  VARCHAR,                  -- type of the main (last-raised) exception
    exception_value VARCHAR,                  -- scrubbed value of the main exception
    trace_id        VARCHAR,
    span_id         VARCHAR,
    sdk_fingerprint VARCHAR[],                -- fingerprint sent by the SDK, if any
    tags            JSON,                     -- scrubbed; server_name removed
    extra           JSON,                     -- scrubbed
    contexts        JSON,                     -- scrubbed (trace, runtime, os ...)
    breadcrumbs     JSON,                     -- scrubbed
    sdk_name        VARCHAR,
    sdk_version     VARCHAR,
    log_record_id   VARCHAR,                  -- when origin = 'log': the log record carrying the traceback
    file_id         VARCHAR NOT NULL,
    line_no         BIGINT,
    ingested_at     TIMESTAMP NOT NULL
);

-- Sentry's legacy `checksum` (a grouping key set by old clients; the signatures stage groups by it).
ALTER TABLE core.events ADD COLUMN IF NOT EXISTS checksum VARCHAR;

CREATE TABLE IF NOT EXISTS core.exceptions (
    event_id        VARCHAR NOT NULL,
    exception_index INTEGER NOT NULL,         -- position in exception.values (Sentry order: cause first, raised last)
    is_main         BOOLEAN NOT NULL,         -- the last-raised exception of the event
    type            VARCHAR,
    value           VARCHAR,                  -- scrubbed
    module          VARCHAR,
    mechanism_type  VARCHAR,
    handled         BOOLEAN,
    exception_id    INTEGER,                  -- mechanism.exception_id (exception groups)
    parent_id       INTEGER                   -- mechanism.parent_id
    -- unique on (event_id, exception_index): rows are only ever appended with their event, which the
    -- events primary key admits once; no index of its own (it cost a third of the insert time)
);

CREATE TABLE IF NOT EXISTS core.frames (
    event_id        VARCHAR NOT NULL,
    exception_index INTEGER NOT NULL,
    frame_index     INTEGER NOT NULL,         -- Sentry order: outermost first, crashing (innermost) frame last
    is_innermost    BOOLEAN NOT NULL,
    filename        VARCHAR,
    abs_path        VARCHAR,
    module          VARCHAR,
    function        VARCHAR,
    lineno          INTEGER,
    colno           INTEGER,
    context_line    VARCHAR,
    pre_context     VARCHAR[],
    post_context    VARCHAR[],
    in_app          BOOLEAN,
    package         VARCHAR,
    vars            JSON                      -- scrubbed
    -- unique on (event_id, exception_index, frame_index), guaranteed like core.exceptions' key
);

-- Stacks outside the exception chain: an event's top-level `stacktrace` and the stacks of `threads.values`
-- (sentry-sdk's attach_stacktrace on message events, native crashes). Kept apart from core.frames, whose
-- rows all belong to an exception.
-- Its frame columns are those of core.frames (one definition): thread_index is the position in
-- threads.values, -1 = the top-level stacktrace; thread_id, thread_name, crashed, current are the thread's.
CREATE TABLE IF NOT EXISTS core.thread_frames AS
SELECT event_id, CAST(NULL AS INTEGER) AS thread_index, CAST(NULL AS VARCHAR) AS thread_id,
    CAST(NULL AS VARCHAR) AS thread_name, CAST(NULL AS BOOLEAN) AS crashed, CAST(NULL AS BOOLEAN) AS current,
    * EXCLUDE (event_id, exception_index)
FROM core.frames
LIMIT 0;

CREATE TABLE IF NOT EXISTS core.log_records (
    record_id       VARCHAR PRIMARY KEY,      -- md5 of the record's raw text + its file-independent position key
    format          VARCHAR NOT NULL,         -- 'jsonl' | 'text'
    ts              TIMESTAMP,
    level           VARCHAR,
    logger          VARCHAR,                  -- logger name / Loghub <Component>
    service         VARCHAR,
    message         VARCHAR,                  -- scrubbed; for text logs the Loghub <Content>
    exception_text  VARCHAR,                  -- scrubbed traceback / exception text, if any
    trace_id        VARCHAR,
    attributes      JSON,                     -- other fields (JSON logs) or other format groups (text logs), scrubbed
    event_id        VARCHAR,                  -- error event made from the record's traceback, if any
    file_id         VARCHAR NOT NULL,
    line_no         BIGINT NOT NULL,          -- first line of the record
    line_count      INTEGER NOT NULL,         -- 1 + continuation lines (tracebacks)
    ingested_at     TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS core.incidents (
    incident_id     VARCHAR PRIMARY KEY,
    title           VARCHAR NOT NULL,
    severity        VARCHAR,                  -- as exported (SEV1/P1/critical ...)
    severity_rank   INTEGER,                  -- 1 = most severe .. 5; NULL when unknown
    status          VARCHAR,
    started_at      TIMESTAMP NOT NULL,
    resolved_at     TIMESTAMP,
    services        VARCHAR[],
    summary         VARCHAR,                  -- scrubbed summary / postmortem text
    trace_ids       VARCHAR[],                -- mentioned explicitly or found in the text
    error_messages  VARCHAR[],                -- scrubbed
    fingerprints    VARCHAR[],
    url             VARCHAR,
    attributes      JSON,
    file_id         VARCHAR NOT NULL,
    line_no         BIGINT,
    ingested_at     TIMESTAMP NOT NULL
);
