-- Register a grouping configuration (once): version, kind, algorithm, config JSON, now.
INSERT INTO core.grouping_configs (grouping_version, kind, algorithm, config, first_used_at)
VALUES (?, ?, ?, ?::JSON, ?)
ON CONFLICT (grouping_version) DO NOTHING
