-- Stage 3: failure signatures (fingerprints, log templates) and recurring clusters.

CREATE TABLE IF NOT EXISTS core.event_fingerprints (
    event_id     VARCHAR PRIMARY KEY,
    fingerprint  VARCHAR NOT NULL,            -- md5 hex (Sentry-style) of the contributing components
    variant      VARCHAR NOT NULL,            -- 'app' | 'system' | 'message' | 'custom' (fingerprint rule)
    title        VARCHAR,                     -- 'KeyError: <value>' style, parameterized
    components   JSON                         -- contributing values in order (for explanation)
);

CREATE TABLE IF NOT EXISTS core.log_templates (
    template_id  VARCHAR PRIMARY KEY,         -- stable: never changes once assigned
    template     VARCHAR NOT NULL,            -- tokens with <*> parameters
    line_count   BIGINT NOT NULL,
    first_seen   TIMESTAMP,
    last_seen    TIMESTAMP,
    miner_state  JSON                         -- whatever the miner needs to resume (persistence)
);

CREATE TABLE IF NOT EXISTS core.log_record_templates (
    record_id    VARCHAR PRIMARY KEY,
    template_id  VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS core.clusters (
    cluster_id        VARCHAR PRIMARY KEY,    -- stable across runs, e.g. 'C-000042'
    status            VARCHAR NOT NULL,       -- 'active' | 'merged'
    merged_into       VARCHAR,
    title             VARCHAR,
    failure_class     VARCHAR NOT NULL,       -- catalog class (ANCHORS.md §6) or 'unknown'
    exception_type    VARCHAR,
    first_seen        TIMESTAMP,
    last_seen         TIMESTAMP,
    event_count       BIGINT,
    releases          VARCHAR[],
    services          VARCHAR[],
    representative_event_id VARCHAR,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);

-- Which signature belongs to which cluster. A signature is an error fingerprint or a log template.
CREATE TABLE IF NOT EXISTS core.cluster_members (
    signature       VARCHAR PRIMARY KEY,
    signature_kind  VARCHAR NOT NULL,         -- 'fingerprint' | 'template'
    cluster_id      VARCHAR NOT NULL,
    assigned_at     TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS core.cluster_merges (
    from_cluster_id VARCHAR NOT NULL,
    into_cluster_id VARCHAR NOT NULL,
    similarity      DOUBLE,
    merged_at       TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS core.cluster_flags (
    cluster_id  VARCHAR NOT NULL,
    flag        VARCHAR NOT NULL,             -- 'new' | 'regression' | 'spike'
    day         DATE NOT NULL,
    detail      VARCHAR,
    flagged_at  TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS core.incident_cluster_links (
    incident_id VARCHAR NOT NULL,
    cluster_id  VARCHAR NOT NULL,
    evidence    VARCHAR NOT NULL,             -- 'trace_id' | 'fingerprint' | 'message' | 'service_time'
    detail      VARCHAR,
    confidence  DOUBLE NOT NULL,              -- 0..1
    PRIMARY KEY (incident_id, cluster_id, evidence)
);

-- Per signature: what the clusterer saw (added by the clusters stage; rewritten on every build).
CREATE TABLE IF NOT EXISTS core.signature_features (
    signature       VARCHAR PRIMARY KEY,
    signature_kind  VARCHAR NOT NULL,         -- 'fingerprint' | 'template'
    exception_type  VARCHAR,                  -- last dotted component of the main exception type
    crash_file      VARCHAR,                  -- file stem of the crash site (innermost in-app frame)
    crash_function  VARCHAR,
    crash_context   VARCHAR,                  -- whitespace-collapsed context line of the crash site
    crash_path      VARCHAR,                  -- crash-site file as the repository likely names it (from module, else filename)
    title           VARCHAR,
    failure_class   VARCHAR NOT NULL,
    class_rule      VARCHAR,                  -- id of the catalog rule that matched (NULL = unknown)
    event_count     BIGINT NOT NULL,          -- events (fingerprints) or error log records (templates)
    representative_event_id VARCHAR,
    document        VARCHAR                   -- the tokens compared by TF-IDF, space-separated
);

-- Every cluster id ever seen by the `no cluster id disappears` check (a checkpoint between runs).
CREATE TABLE IF NOT EXISTS core.cluster_id_checkpoint (
    cluster_id   VARCHAR PRIMARY KEY,
    recorded_at  TIMESTAMP NOT NULL
);

-- Template miner state (added by the signatures stage): every distinct masked message ("pattern") seen so
-- far and the template it belongs to. New lines with a known pattern reuse its template id directly.
CREATE TABLE IF NOT EXISTS core.log_template_patterns (
    pattern      VARCHAR PRIMARY KEY,
    template_id  VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
