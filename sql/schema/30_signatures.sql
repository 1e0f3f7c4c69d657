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

-- Versioned grouping (added by the signatures stage): every fingerprint, template, record template and
-- miner pattern carries the grouping configuration's version that made it (Sentry's grouping config id,
-- ours a hash of the rules / miner settings; see models/signatures/versions.py). Rows made before
-- versions existed have NULL: the next run treats them as made by an older configuration.
ALTER TABLE core.event_fingerprints ADD COLUMN IF NOT EXISTS grouping_version VARCHAR;
ALTER TABLE core.log_templates ADD COLUMN IF NOT EXISTS grouping_version VARCHAR;
ALTER TABLE core.log_record_templates ADD COLUMN IF NOT EXISTS grouping_version VARCHAR;
ALTER TABLE core.log_template_patterns ADD COLUMN IF NOT EXISTS grouping_version VARCHAR;

-- One row per grouping configuration ever used.
CREATE TABLE IF NOT EXISTS core.grouping_configs (
    grouping_version VARCHAR PRIMARY KEY,     -- 'fp-<12 hex>' | 'tpl-<12 hex>'
    kind             VARCHAR NOT NULL,        -- 'fingerprint' | 'template'
    algorithm        VARCHAR NOT NULL,        -- e.g. 'newstyle:2023-01-11+hs2', 'hindsight-miner:2'
    config           JSON NOT NULL,           -- the rules / settings the version hashes
    first_used_at    TIMESTAMP NOT NULL
);

-- A signature that was replaced: events or log records moved from `old_signature` to `new_signature`
-- (a changed grouping configuration re-grouped them, or the miner merged two templates). The clusters
-- stage carries the old signature's cluster over to the new one through these rows.
CREATE TABLE IF NOT EXISTS core.signature_lineage (
    old_signature    VARCHAR NOT NULL,
    new_signature    VARCHAR NOT NULL,
    signature_kind   VARCHAR NOT NULL,        -- 'fingerprint' | 'template'
    reason           VARCHAR NOT NULL,        -- 'grouping_changed' | 'templates_merged'
    grouping_version VARCHAR,                 -- the version that made the new signature
    moved            BIGINT,                  -- events / log records that moved (summed over repeats)
    recorded_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (old_signature, new_signature)
);
