-- The pack-level efficacy figures (the bars of the feedback stage).
INSERT INTO core.pack_evaluations (
    pack_version, evaluated_at, crash_sites, crash_sites_flagged, recall, fixed_sites, fixed_sites_flagged,
    fixed_fp_rate, failing_findings, unfailed_findings, unfailed_share, head_findings, head_kloc,
    head_unfailed_findings, head_unfailed_share, heldout_sites, heldout_sites_flagged, heldout_recall,
    own_sites, own_sites_flagged, noise_per_kloc, head_duplicates
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
