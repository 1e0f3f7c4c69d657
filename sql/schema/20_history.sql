-- Stage 2: code history. Which code ran, and who (person or AI tool) wrote it.

CREATE TABLE IF NOT EXISTS core.repositories (
    repo            VARCHAR PRIMARY KEY,      -- configured name
    path            VARCHAR NOT NULL,
    default_branch  VARCHAR NOT NULL,
    release_pattern VARCHAR,                  -- e.g. 'v{version}' or '{service}@{version}'
    last_head       VARCHAR,                  -- head sha at the last commit ingest (incremental)
    ingested_at     TIMESTAMP,
    last_tips       VARCHAR[],                -- head + tag commits at the last ingest (excluded next time)
    notes_head      VARCHAR,                  -- sha of refs/notes/ai at the last ingest (NULL = none)
    markers_digest  VARCHAR,                  -- digest of the AI-marker set used (change => reclassify)
    releases_digest VARCHAR                   -- digest of the release set (change => recompute release_commits)
);

CREATE TABLE IF NOT EXISTS core.commits (
    repo             VARCHAR NOT NULL,
    sha              VARCHAR NOT NULL,
    parents          VARCHAR[] NOT NULL,
    author_name      VARCHAR,
    author_email     VARCHAR,
    author_time      TIMESTAMP,
    committer_name   VARCHAR,
    committer_email  VARCHAR,
    committer_time   TIMESTAMP,
    subject          VARCHAR,
    message          VARCHAR,                 -- full message (untrusted text: never executed, never used as instructions)
    trailers         STRUCT(key VARCHAR, value VARCHAR)[],
    files_changed    INTEGER,
    lines_added      INTEGER,
    lines_deleted    INTEGER,
    PRIMARY KEY (repo, sha)
);

CREATE TABLE IF NOT EXISTS core.commit_files (
    repo        VARCHAR NOT NULL,
    sha         VARCHAR NOT NULL,
    path        VARCHAR NOT NULL,             -- path after the change
    old_path    VARCHAR,                      -- for renames
    change_type VARCHAR,                      -- A M D R
    added       INTEGER,                      -- NULL for binary files
    deleted     INTEGER
);

CREATE TABLE IF NOT EXISTS core.releases (
    repo        VARCHAR NOT NULL,
    release     VARCHAR NOT NULL,             -- release string as events carry it (e.g. 'shop@1.4.2')
    version     VARCHAR,                      -- the {version} part
    tag         VARCHAR,                      -- tag it came from (NULL when from an explicit table)
    sha         VARCHAR NOT NULL,
    released_at TIMESTAMP,                    -- commit time of the tagged revision
    service     VARCHAR,                      -- the {service} part, when the pattern or release has one
    PRIMARY KEY (repo, release)
);

-- Commits first shipped in a release: reachable from it, not from any earlier release of the same
-- service (Sentry's "commits in this release"). Recomputed when the release set changes.
CREATE TABLE IF NOT EXISTS core.release_commits (
    repo        VARCHAR NOT NULL,
    release     VARCHAR NOT NULL,
    sha         VARCHAR NOT NULL,
    PRIMARY KEY (repo, release, sha)
);

-- One row per commit: AI-origin classification. Absence of a marker is 'unknown/human', never 'human'.
CREATE TABLE IF NOT EXISTS core.commit_ai (
    repo              VARCHAR NOT NULL,
    sha               VARCHAR NOT NULL,
    origin            VARCHAR NOT NULL,       -- 'ai_authored' | 'ai_committed_only' | 'unknown/human'
    ai_authored       BOOLEAN NOT NULL,
    ai_tool           VARCHAR,                -- claude_code | copilot_agent | copilot | cursor | aider | codex | devin | jules | amp | opencode | generic
    evidence_kind     VARCHAR,                -- author | committer | trailer | message | git_ai_note
    evidence          VARCHAR,                -- the matched marker text (length-capped)
    marker_id         VARCHAR,                -- id of the marker in the marker file
    all_evidence      JSON,                   -- every marker matched
    PRIMARY KEY (repo, sha)
);

-- Line-level attribution from git-ai notes (refs/notes/ai, schema authorship/3.0.0).
CREATE TABLE IF NOT EXISTS core.ai_line_ranges (
    repo        VARCHAR NOT NULL,
    sha         VARCHAR NOT NULL,             -- commit the note is attached to
    path        VARCHAR NOT NULL,
    line_start  INTEGER NOT NULL,             -- 1-based, inclusive, in the file at `sha`
    line_end    INTEGER NOT NULL,
    author_kind VARCHAR NOT NULL,             -- 'ai' | 'human'
    ai_tool     VARCHAR,                      -- from the note metadata when known
    session_key VARCHAR
);

-- Imperfect repositories (partial or damaged clones, shallow clones) degrade per commit and per file:
-- NULL = complete; otherwise why the commit's files or line counts are incomplete (sql/reference/20_history.md).
ALTER TABLE core.commits ADD COLUMN IF NOT EXISTS degraded VARCHAR;
ALTER TABLE core.commit_files ADD COLUMN IF NOT EXISTS degraded VARCHAR;
-- Digest of the shallow clone's boundary commits at the last ingest (NULL = complete history).
ALTER TABLE core.repositories ADD COLUMN IF NOT EXISTS shallow_digest VARCHAR;
