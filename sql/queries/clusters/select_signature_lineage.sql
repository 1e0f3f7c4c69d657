-- Signatures replaced by the signatures stage (a changed grouping configuration, merged templates):
-- old -> new, oldest first. The new signature carries the old one's cluster over (build.py).
SELECT old_signature, new_signature FROM core.signature_lineage ORDER BY recorded_at, old_signature, new_signature
