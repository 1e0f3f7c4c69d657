-- The platform's own bookkeeping.
CREATE TABLE IF NOT EXISTS core.pipeline_runs (
    run_id       VARCHAR PRIMARY KEY,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    status       VARCHAR NOT NULL,            -- 'running' | 'success' | 'failure'
    trigger      VARCHAR,                     -- 'cli' | 'schedule' | 'sensor' | 'dagster'
    detail       JSON
);
