-- Stage 5: what production taught, as lint rules and assistant guidance.

CREATE TABLE IF NOT EXISTS core.rule_packs (
    version      VARCHAR PRIMARY KEY,         -- e.g. '2026.11.24.1'
    created_at   TIMESTAMP NOT NULL,
    path         VARCHAR NOT NULL,            -- data/exports/rulepacks/<version>
    manifest     JSON NOT NULL,
    changelog    VARCHAR
);

CREATE TABLE IF NOT EXISTS core.rules (
    pack_version  VARCHAR NOT NULL,
    rule_id       VARCHAR NOT NULL,
    engine        VARCHAR NOT NULL,           -- 'semgrep' | 'ruff'
    origin        VARCHAR NOT NULL,           -- 'catalog' | 'mined' | 'builtin'
    failure_class VARCHAR NOT NULL,
    severity      VARCHAR NOT NULL,           -- ERROR | WARNING | INFO
    message       VARCHAR NOT NULL,
    cluster_ids   VARCHAR[],
    evidence      JSON,
    PRIMARY KEY (pack_version, rule_id)
);

CREATE TABLE IF NOT EXISTS core.rule_evaluations (
    pack_version        VARCHAR NOT NULL,
    rule_id             VARCHAR NOT NULL,
    crash_sites         INTEGER,              -- crash sites of the rule's class
    crash_sites_flagged INTEGER,
    fixed_sites         INTEGER,
    fixed_sites_flagged INTEGER,              -- false positives on fixed lines
    repo_findings       INTEGER,
    repo_kloc           DOUBLE,
    demoted             BOOLEAN NOT NULL,
    demotion_reason     VARCHAR,
    evaluated_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (pack_version, rule_id)
);

CREATE TABLE IF NOT EXISTS core.guidance_files (
    pack_version VARCHAR NOT NULL,
    path         VARCHAR NOT NULL,            -- relative path inside the guidance export (e.g. '.cursor/rules/hindsight.mdc')
    format       VARCHAR NOT NULL,
    bytes        INTEGER NOT NULL,
    content      VARCHAR NOT NULL,
    PRIMARY KEY (pack_version, path)
);

-- Additions (feedback stage): findings at the failing revisions, and how many were on code that never failed.
ALTER TABLE core.rule_evaluations ADD COLUMN IF NOT EXISTS failing_findings INTEGER;
ALTER TABLE core.rule_evaluations ADD COLUMN IF NOT EXISTS unfailed_findings INTEGER;

-- One row per evaluated pack: the figures the stage's bars are about.
CREATE TABLE IF NOT EXISTS core.pack_evaluations (
    pack_version        VARCHAR PRIMARY KEY,
    evaluated_at        TIMESTAMP NOT NULL,
    crash_sites         INTEGER NOT NULL,     -- crash sites of catalog classes (resolved, file readable)
    crash_sites_flagged INTEGER NOT NULL,
    recall              DOUBLE,
    fixed_sites         INTEGER NOT NULL,     -- crash sites whose cluster has a fix commit touching the file
    fixed_sites_flagged INTEGER NOT NULL,     -- a rule of the class still fires on the fixed line
    fixed_fp_rate       DOUBLE,
    failing_findings    INTEGER NOT NULL,     -- distinct findings on the repository at the failing revisions
    unfailed_findings   INTEGER NOT NULL,     -- ... of which on code that never failed
    unfailed_share      DOUBLE,
    head_findings       INTEGER NOT NULL,
    head_kloc           DOUBLE
);
-- HEAD findings on code that never failed (no crash site's construct there), and their share.
ALTER TABLE core.pack_evaluations ADD COLUMN IF NOT EXISTS head_unfailed_findings INTEGER;
ALTER TABLE core.pack_evaluations ADD COLUMN IF NOT EXISTS head_unfailed_share DOUBLE;

-- Additions (issue 12, honest efficacy): why a rule has its severity, recall held out by cluster next to
-- recall on the rule's own crash sites, and findings on never-failed code at HEAD.
ALTER TABLE core.rules ADD COLUMN IF NOT EXISTS severity_reason VARCHAR;
ALTER TABLE core.rule_evaluations ADD COLUMN IF NOT EXISTS head_unfailed_findings INTEGER;
ALTER TABLE core.rule_evaluations ADD COLUMN IF NOT EXISTS own_sites INTEGER;         -- sites of the cluster(s) it was mined from
ALTER TABLE core.rule_evaluations ADD COLUMN IF NOT EXISTS own_sites_flagged INTEGER;
ALTER TABLE core.rule_evaluations ADD COLUMN IF NOT EXISTS heldout_sites INTEGER;     -- sites of its class it was not built from
ALTER TABLE core.rule_evaluations ADD COLUMN IF NOT EXISTS heldout_sites_flagged INTEGER;
ALTER TABLE core.pack_evaluations ADD COLUMN IF NOT EXISTS heldout_sites INTEGER;
ALTER TABLE core.pack_evaluations ADD COLUMN IF NOT EXISTS heldout_sites_flagged INTEGER;
ALTER TABLE core.pack_evaluations ADD COLUMN IF NOT EXISTS heldout_recall DOUBLE;
ALTER TABLE core.pack_evaluations ADD COLUMN IF NOT EXISTS own_sites INTEGER;
ALTER TABLE core.pack_evaluations ADD COLUMN IF NOT EXISTS own_sites_flagged INTEGER;
ALTER TABLE core.pack_evaluations ADD COLUMN IF NOT EXISTS noise_per_kloc DOUBLE;
ALTER TABLE core.pack_evaluations ADD COLUMN IF NOT EXISTS head_duplicates INTEGER;
