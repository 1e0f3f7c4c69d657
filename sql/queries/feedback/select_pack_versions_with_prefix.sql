-- Pack versions starting with a date prefix (e.g. '2026.11.24.'), to number the day's next pack.
SELECT version FROM core.rule_packs WHERE starts_with(version, ?)
