-- Stage 4: from a crashing frame to the commit that wrote it.

CREATE TABLE IF NOT EXISTS core.frame_resolutions (
    event_id        VARCHAR NOT NULL,
    exception_index INTEGER NOT NULL,
    frame_index     INTEGER NOT NULL,
    repo            VARCHAR,
    revision        VARCHAR,                  -- commit sha the event ran
    revision_source VARCHAR,                  -- 'release' | 'inferred' | 'time_fallback' | NULL when unknown
    repo_path       VARCHAR,
    line            INTEGER,
    status          VARCHAR NOT NULL,         -- 'resolved' | 'unresolved'
    reason          VARCHAR,                  -- why unresolved: no_release | unknown_release | ambiguous_release | no_repo | no_path | third_party | file_not_in_repo | line_mismatch | ambiguous_path | hostile_path | no_line | missing_object | blame_failed | shallow_history
    verified        BOOLEAN,                  -- the frame's context_line matched the line at `revision` (NULL: unresolved)
    PRIMARY KEY (event_id, exception_index, frame_index)
);

-- Warehouses created before `verified` existed.
ALTER TABLE core.frame_resolutions ADD COLUMN IF NOT EXISTS verified BOOLEAN;
-- How the release string gave the revision: 'table' | 'tag' | 'describe' | 'hash' | 'inferred' | 'time_fallback'.
ALTER TABLE core.frame_resolutions ADD COLUMN IF NOT EXISTS revision_how VARCHAR;
-- For 'inferred': how many of the event's frames matched the file text at the chosen revision.
ALTER TABLE core.frame_resolutions ADD COLUMN IF NOT EXISTS revision_agreeing INTEGER;
-- Why, in words: the inference's evidence or tie, git's message for blame_failed, the missing object.
ALTER TABLE core.frame_resolutions ADD COLUMN IF NOT EXISTS detail VARCHAR;

-- Blame of the lines frames point at, once per (repo, revision, path, line): reused across events and runs.
CREATE TABLE IF NOT EXISTS core.blame_lines (
    repo        VARCHAR NOT NULL,
    revision    VARCHAR NOT NULL,
    path        VARCHAR NOT NULL,
    line        INTEGER NOT NULL,             -- final line number at `revision`
    commit_sha  VARCHAR NOT NULL,
    orig_path   VARCHAR,
    orig_line   INTEGER,
    PRIMARY KEY (repo, revision, path, line)
);

CREATE TABLE IF NOT EXISTS core.blamed_files (
    repo        VARCHAR NOT NULL,
    revision    VARCHAR NOT NULL,
    path        VARCHAR NOT NULL,
    line_count  INTEGER NOT NULL,             -- lines blamed so far (only the lines frames point at are blamed)
    blamed_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (repo, revision, path)
);

CREATE TABLE IF NOT EXISTS core.suspect_commit_scores (
    cluster_id   VARCHAR NOT NULL,
    repo         VARCHAR NOT NULL,
    commit_sha   VARCHAR NOT NULL,
    rank         INTEGER NOT NULL,            -- 1 = top suspect
    score        DOUBLE NOT NULL,
    method       VARCHAR NOT NULL,            -- 'blame' | 'szz' (refined from a fix commit) | 'reintroduced' (brought a fixed bug back)
    evidence     JSON,                        -- frames/lines that point at it
    fix_commit   VARCHAR,                     -- commit that fixed the cluster, when known
    PRIMARY KEY (cluster_id, repo, commit_sha)
);

-- Author facts of blamed commits as blame reports them (usable before/without the history ingest).
CREATE TABLE IF NOT EXISTS core.blame_commits (
    repo        VARCHAR NOT NULL,
    sha         VARCHAR NOT NULL,
    author_name VARCHAR,
    author_time TIMESTAMP,
    summary     VARCHAR,                      -- commit subject (untrusted text)
    PRIMARY KEY (repo, sha)
);
-- Blame stopped at this commit because a shallow clone cut its parents off (lines are not its doing).
ALTER TABLE core.blame_commits ADD COLUMN IF NOT EXISTS shallow_boundary BOOLEAN DEFAULT false;

-- Digests of the inputs of whole-table recomputations (suspect scores), to skip them when nothing changed.
CREATE TABLE IF NOT EXISTS core.attribution_state (
    name        VARCHAR PRIMARY KEY,
    digest      VARCHAR NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
