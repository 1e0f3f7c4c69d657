-- Stage 6: change risk. Just-in-time defect prediction per repository, from its own history and production.

-- Per commit: its -U0 -w diff was read into core.risk_hunks (once; merges have no hunks).
CREATE TABLE IF NOT EXISTS core.risk_diffs (
    repo        VARCHAR NOT NULL,
    sha         VARCHAR NOT NULL,
    hunks       INTEGER NOT NULL,
    unreadable  VARCHAR[],                    -- paths whose blobs git could not read (partial clone); their lines are missing
    read_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (repo, sha)
);

-- Hunks of each commit's diff against its first parent (-U0 -w, renames followed).
CREATE TABLE IF NOT EXISTS core.risk_hunks (
    repo        VARCHAR NOT NULL,
    sha         VARCHAR NOT NULL,
    path        VARCHAR NOT NULL,             -- path at the commit (the old path for a deletion)
    old_path    VARCHAR,                      -- path at the parent when it differs (rename)
    old_start   INTEGER NOT NULL,             -- first removed/changed line at the parent
    old_lines   INTEGER NOT NULL,
    new_start   INTEGER NOT NULL,             -- first added/changed line at the commit
    new_lines   INTEGER NOT NULL,
    function    VARCHAR                       -- def/class the hunk sits in (git's Python driver), NULL when none
);

-- Fix commits processed by SZZ (once each), with the outcome.
CREATE TABLE IF NOT EXISTS core.risk_szz_fixes (
    repo          VARCHAR NOT NULL,
    fix_sha       VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,           -- 'blamed' | 'no_lines' (added-only or only cosmetic lines) | 'failed'
    blamed_lines  INTEGER NOT NULL,
    detail        VARCHAR,                    -- why it failed
    processed_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (repo, fix_sha)
);

-- SZZ links: a later fix commit deleted or changed lines this commit wrote (B-SZZ, blame -w at fix^).
CREATE TABLE IF NOT EXISTS core.risk_szz_links (
    repo          VARCHAR NOT NULL,
    fix_sha       VARCHAR NOT NULL,
    inducing_sha  VARCHAR NOT NULL,
    path          VARCHAR NOT NULL,           -- path at fix^
    lines         INTEGER NOT NULL,           -- lines of the fix blamed on it
    PRIMARY KEY (repo, fix_sha, inducing_sha, path)
);

-- Findings of a rule pack on the lines each commit added (scanned once per pack version and commit).
CREATE TABLE IF NOT EXISTS core.risk_pack_scans (
    repo          VARCHAR NOT NULL,
    sha           VARCHAR NOT NULL,
    pack_version  VARCHAR NOT NULL,
    files         INTEGER NOT NULL,           -- Python files scanned
    findings      INTEGER NOT NULL,           -- findings on added lines
    PRIMARY KEY (repo, sha, pack_version)
);

CREATE TABLE IF NOT EXISTS core.risk_pack_findings (
    repo          VARCHAR NOT NULL,
    sha           VARCHAR NOT NULL,
    pack_version  VARCHAR NOT NULL,
    rule_id       VARCHAR NOT NULL,
    path          VARCHAR NOT NULL,
    line          INTEGER NOT NULL            -- first line of the finding, at the commit
);

-- Change features per commit, one set per feature version (see sql/reference/60_risk.md for each).
CREATE TABLE IF NOT EXISTS core.risk_features (
    repo              VARCHAR NOT NULL,
    features_version  VARCHAR NOT NULL,       -- digest of the inputs the set was computed from
    sha               VARCHAR NOT NULL,
    committed_at      TIMESTAMP NOT NULL,
    features          JSON NOT NULL,          -- {name: value} in model order
    label             BOOLEAN NOT NULL,       -- defect-inducing (any label source) as known when computed
    label_sources     VARCHAR[],              -- 'production' | 'szz_fix'
    PRIMARY KEY (repo, features_version, sha)
);

-- Trained models per repository (JSON parameters: no pickles), newest version = highest number.
CREATE TABLE IF NOT EXISTS core.risk_models (
    repo              VARCHAR NOT NULL,
    version           INTEGER NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    inputs_digest     VARCHAR NOT NULL,       -- unchanged digest => no retraining
    features_version  VARCHAR NOT NULL,
    n_train           INTEGER NOT NULL,
    n_positive        INTEGER NOT NULL,
    params            JSON NOT NULL,          -- transform, scaler, coefficients, calibration (models/risk/model.py)
    metrics           JSON,                   -- validation inside the training period
    PRIMARY KEY (repo, version)
);

CREATE TABLE IF NOT EXISTS core.risk_scores (
    repo           VARCHAR NOT NULL,
    sha            VARCHAR NOT NULL,
    model_version  INTEGER NOT NULL,
    probability    DOUBLE NOT NULL,           -- calibrated probability that the change induces a defect
    risk_level     VARCHAR NOT NULL,          -- 'high' | 'medium' | 'low'
    reasons        JSON NOT NULL,             -- top contributions [{feature, value, contribution, text}]
    in_training    BOOLEAN NOT NULL,          -- the model was trained on this commit (score is in-sample)
    scored_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (repo, sha, model_version)
);

-- The inputs digest of a repository's last update: equal digest on the next run => nothing to do.
CREATE TABLE IF NOT EXISTS core.risk_state (
    repo           VARCHAR PRIMARY KEY,
    inputs_digest  VARCHAR NOT NULL,
    outcome        VARCHAR NOT NULL,          -- 'trained' | 'no_labels'
    updated_at     TIMESTAMP NOT NULL
);
