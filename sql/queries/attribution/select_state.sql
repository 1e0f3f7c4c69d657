-- The stored digest of one recomputation ($1 = name).
SELECT digest FROM core.attribution_state WHERE name = $1
