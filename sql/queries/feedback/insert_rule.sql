-- Record one rule of a pack.
INSERT INTO core.rules (pack_version, rule_id, engine, origin, failure_class, severity, message, cluster_ids, evidence,
                        severity_reason)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
