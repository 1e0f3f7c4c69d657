-- One rule's efficacy on the crash sites (own and held out by cluster), the fixed lines and the repository at HEAD.
INSERT INTO core.rule_evaluations (
    pack_version, rule_id, crash_sites, crash_sites_flagged, fixed_sites, fixed_sites_flagged,
    repo_findings, repo_kloc, demoted, demotion_reason, evaluated_at, failing_findings, unfailed_findings,
    head_unfailed_findings, own_sites, own_sites_flagged, heldout_sites, heldout_sites_flagged
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
