-- Efficacy of every rule in the newest rule pack: recall on crash sites, false positives on fixed lines,
-- noise at HEAD, and whether the rule was demoted to INFO.
SELECT rule_id, engine, failure_class, severity, effective_severity,
       crash_sites_flagged, crash_sites, recall, fixed_sites_flagged, fixed_sites, fixed_fp_rate,
       repo_findings, findings_per_kloc, demoted, demotion_reason
FROM rule_efficacy
WHERE pack_version = (SELECT version FROM core.rule_packs ORDER BY created_at DESC, version DESC LIMIT 1)
ORDER BY recall DESC NULLS LAST, rule_id;
