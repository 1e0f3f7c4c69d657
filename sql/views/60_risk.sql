-- Risk stage analyst views (schema main). Stable columns; see sql/reference/60_risk.md.

-- Every commit scored by its repository's latest model, riskiest first, with the reasons and the label
-- the model was trained with.
CREATE OR REPLACE VIEW change_risk AS
WITH latest AS (
    SELECT repo, version, features_version FROM core.risk_models
    QUALIFY row_number() OVER (PARTITION BY repo ORDER BY version DESC) = 1
)
SELECT s.repo, s.sha, c.committer_time AS committed_at, c.author_name, c.subject,
       c.files_changed, c.lines_added, c.lines_deleted,
       CASE WHEN ai.ai_authored THEN coalesce(ai.ai_tool, 'generic') END AS ai_tool,
       s.probability, s.risk_level, s.reasons, s.model_version, s.in_training,
       f.label AS labelled_defect, f.label_sources, s.scored_at
FROM core.risk_scores AS s
JOIN latest AS l ON l.repo = s.repo AND l.version = s.model_version
LEFT JOIN core.commits AS c ON c.repo = s.repo AND c.sha = s.sha
LEFT JOIN core.commit_ai AS ai ON ai.repo = s.repo AND ai.sha = s.sha
LEFT JOIN core.risk_features AS f ON f.repo = s.repo AND f.features_version = l.features_version AND f.sha = s.sha;

-- Model versions per repository with their training size, labels and validation inside the training period.
CREATE OR REPLACE VIEW risk_models AS
SELECT repo, version, created_at, n_train, n_positive,
       CASE WHEN n_train > 0 THEN n_positive / n_train END                       AS defect_rate,
       params->>'$.hyperparameters.C'                                           AS c,
       params->>'$.hyperparameters.class_weight'                                AS class_weight,
       params->>'$.calibration.method'                                          AS calibration,
       TRY_CAST(metrics->>'$.validation.validation_auc' AS DOUBLE)              AS validation_auc,
       metrics->>'$.validation.chosen_by'                                       AS chosen_by,
       metrics->'$.features_used'                                               AS features_used,
       metrics->'$.labels_by_source'                                            AS labels_by_source,
       version = max(version) OVER (PARTITION BY repo)                         AS is_latest
FROM core.risk_models;

-- SZZ from fix commits: which earlier commit wrote the lines each fix removed or changed.
CREATE OR REPLACE VIEW risk_szz AS
SELECT x.repo, x.fix_sha, fc.subject AS fix_subject, fc.committer_time AS fixed_at, x.status, x.blamed_lines,
       l.inducing_sha, ic.subject AS inducing_subject, ic.committer_time AS induced_at, l.path, l.lines
FROM core.risk_szz_fixes AS x
LEFT JOIN core.risk_szz_links AS l ON l.repo = x.repo AND l.fix_sha = x.fix_sha
LEFT JOIN core.commits AS fc ON fc.repo = x.repo AND fc.sha = x.fix_sha
LEFT JOIN core.commits AS ic ON ic.repo = l.repo AND ic.sha = l.inducing_sha;
