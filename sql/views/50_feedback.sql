-- Feedback stage analyst views (schema main). Stable columns; see sql/reference/50_feedback.md.

-- Each rule of each pack next to its latest evaluation: recall on crash sites it was not built from
-- (held out by cluster) next to recall on its own sites, false positives on fixed lines, noise on
-- never-failed code at HEAD, its severity and why, and the severity in force after a later demotion.
CREATE OR REPLACE VIEW main.rule_efficacy AS
SELECT
    r.pack_version,
    r.rule_id,
    r.engine,
    r.origin,
    r.failure_class,
    r.severity,
    coalesce(r.severity_reason, json_extract_string(r.evidence, '$.severity_reason'))   AS severity_reason,
    CASE WHEN e.demoted THEN 'INFO' ELSE r.severity END                   AS effective_severity,
    r.cluster_ids,
    e.crash_sites,
    e.crash_sites_flagged,
    CASE WHEN e.crash_sites > 0 THEN e.crash_sites_flagged / e.crash_sites END   AS recall,
    e.fixed_sites,
    e.fixed_sites_flagged,
    CASE WHEN e.fixed_sites > 0 THEN e.fixed_sites_flagged / e.fixed_sites END   AS fixed_fp_rate,
    e.heldout_sites,
    e.heldout_sites_flagged,
    CASE WHEN e.heldout_sites > 0 THEN e.heldout_sites_flagged / e.heldout_sites END  AS heldout_recall,
    e.own_sites,
    e.own_sites_flagged,
    CASE WHEN e.own_sites > 0 THEN e.own_sites_flagged / e.own_sites END          AS own_site_recall,
    e.failing_findings,
    e.unfailed_findings,
    e.repo_findings,
    CAST(e.repo_findings AS INTEGER)                                       AS head_findings,
    e.head_unfailed_findings,
    e.repo_kloc,
    CASE WHEN e.repo_kloc > 0 THEN e.repo_findings / e.repo_kloc END             AS findings_per_kloc,
    CASE WHEN e.repo_kloc > 0 THEN e.head_unfailed_findings / e.repo_kloc END    AS noise_per_kloc,
    coalesce(e.demoted, FALSE)                                             AS demoted,
    e.demotion_reason,
    e.evaluated_at
FROM core.rules AS r
LEFT JOIN core.rule_evaluations AS e USING (pack_version, rule_id);

-- Packs with their pack-level efficacy (NULL figures until evaluated).
CREATE OR REPLACE VIEW main.rule_pack_summary AS
SELECT
    p.version,
    p.created_at,
    p.path,
    (SELECT count(*) FROM core.rules AS r WHERE r.pack_version = p.version)  AS rules,
    e.recall,
    e.heldout_recall,
    e.heldout_sites,
    e.heldout_sites_flagged,
    e.own_sites,
    e.own_sites_flagged,
    e.noise_per_kloc,
    e.head_duplicates,
    e.fixed_fp_rate,
    e.unfailed_share,
    e.head_findings,
    e.head_unfailed_findings,
    e.head_unfailed_share,
    e.head_kloc,
    e.evaluated_at
FROM core.rule_packs AS p
LEFT JOIN core.pack_evaluations AS e ON e.pack_version = p.version;
